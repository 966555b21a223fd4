"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { keepsWorktree } from "@wharf/api/task-states";
import { readServiceCallInput, serviceToolCallPrefix, type ServiceCallInput } from "@wharf/api/tool-calls";
import { useState } from "react";
import { errorMessage } from "~/lib/format";
import type { Terminal, Timeline, ToolItem } from "~/lib/timeline";
import { useTRPC } from "~/trpc/react";
import { Button } from "./ui";

type ServiceRun = { input: ServiceCallInput; tool: ToolItem; terminalId?: string };

/** The latest start of each service, from the timeline's service tool calls (newest last). */
function latestRuns(timeline: Timeline): Map<string, ServiceRun> {
  const runs = new Map<string, ServiceRun>();
  for (const item of timeline.items) {
    if (item.kind !== "tool" || !item.toolCallId.startsWith(serviceToolCallPrefix)) continue;
    const input = readServiceCallInput(item.rawInput);
    if (!input) continue;
    const terminal = item.content.find((c) => c.type === "terminal");
    runs.set(input.service, { input, tool: item, ...(terminal ? { terminalId: terminal.terminalId } : {}) });
  }
  return runs;
}

/** The last lines of a service's output, for its log view. */
function logTail(terminal: Terminal | undefined): string {
  const data = terminal?.data ?? "";
  return data.length > 20_000 ? data.slice(-20_000) : data;
}

/**
 * The project's services for this task: start and stop each, its links (one per port) while it
 * runs, and its log. What runs is read from the task's timeline, so every tab agrees.
 */
export function ServicesPanel({ taskId, projectId, state, timeline }: { taskId: string; projectId: string; state: string; timeline: Timeline }) {
  const trpc = useTRPC();
  const project = useQuery(trpc.project.get.queryOptions({ id: projectId }));
  const start = useMutation(trpc.task.startService.mutationOptions());
  const stop = useMutation(trpc.task.stopService.mutationOptions());
  const runSetup = useMutation(trpc.task.runSetup.mutationOptions());
  const [openLog, setOpenLog] = useState<string | null>(null);
  const services = project.data?.services ?? [];
  const hasSetup = Boolean(project.data?.setupScript);
  const canRun = keepsWorktree(state);
  if (services.length === 0 && !hasSetup) return null;
  const runs = latestRuns(timeline);
  const error = start.error ?? stop.error ?? runSetup.error;

  return (
    <section aria-label="Services" data-testid="services-panel" className="grid min-w-0 gap-2 rounded-lg border border-line bg-panel px-3 py-2 text-sm">
      <div className="flex flex-wrap items-center gap-2">
        <h2 className="font-medium">Workspace</h2>
        {hasSetup && (
          <Button
            className="ml-auto"
            disabled={!canRun || state === "running" || state === "needs_input" || state === "queued" || runSetup.isPending}
            onClick={() => runSetup.mutate({ taskId })}
            title="Runs the project's setup script again in this task's worktree"
          >
            Run setup again
          </Button>
        )}
      </div>
      {services.map((service) => {
        const run = runs.get(service.name);
        const running = run?.tool.status === "in_progress";
        return (
          <div key={service.name} data-testid="service" data-service={service.name} data-running={running ? "true" : "false"} className="grid min-w-0 gap-1">
            <div className="flex flex-wrap items-center gap-2">
              <span className={`size-2 rounded-full ${running ? "bg-emerald-500" : "bg-slate-400"}`} aria-hidden />
              <span className="font-mono font-medium">{service.name}</span>
              {running &&
                run.input.urls.map((url) => (
                  <a key={url} href={url} target="_blank" rel="noreferrer" data-testid="service-link" className="font-mono text-xs text-accent underline-offset-2 hover:underline">
                    {url.replace(/\/$/, "")}
                  </a>
                ))}
              {!running && run && <span className="text-xs text-muted">{run.tool.title}</span>}
              <span className="ml-auto flex gap-1.5">
                {run?.terminalId && (
                  <Button tone="ghost" aria-expanded={openLog === service.name} onClick={() => setOpenLog(openLog === service.name ? null : service.name)}>
                    Logs
                  </Button>
                )}
                {running ? (
                  <Button disabled={stop.isPending} onClick={() => stop.mutate({ taskId, name: service.name })}>
                    Stop
                  </Button>
                ) : (
                  <Button tone="primary" disabled={!canRun || start.isPending} onClick={() => start.mutate({ taskId, name: service.name })} title={canRun ? undefined : "The task has no worktree any more"}>
                    Start
                  </Button>
                )}
              </span>
            </div>
            <div className="truncate pl-4 font-mono text-xs text-muted" title={service.command}>
              {service.command}
            </div>
            {openLog === service.name && run?.terminalId && (
              <pre data-testid="service-log" className="max-h-60 min-w-0 overflow-auto rounded-md bg-slate-950 p-2 font-mono text-xs whitespace-pre-wrap text-slate-100">
                {logTail(timeline.terminals[run.terminalId]) || "(no output yet)"}
              </pre>
            )}
          </div>
        );
      })}
      {error && (
        <p role="alert" className="text-xs text-rose-600 dark:text-rose-400">
          {errorMessage(error)}
        </p>
      )}
    </section>
  );
}

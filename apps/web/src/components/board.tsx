"use client";

import { useQuery } from "@tanstack/react-query";
import type { TaskState } from "@wharf/api";
import Link from "next/link";
import { useEffect, useState } from "react";
import { age, columnOf, columns, errorMessage, taskTitle } from "~/lib/format";
import { useLiveBoard } from "~/lib/live-board";
import { useTRPC } from "~/trpc/react";
import { NewTaskDialog } from "./new-task-dialog";
import { Button, Notice, StateBadge, selectClass } from "./ui";

function useNow(intervalMs: number) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    // A clock for the cards' ages, not a poll: nothing is fetched.
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

const idleStatus: Record<TaskState, string> = {
  queued: "Waiting for a runner",
  running: "Working…",
  needs_input: "Waiting for your permission",
  review: "Change ready for review",
  applied: "Applied",
  completed: "Finished without changes",
  discarded: "Discarded",
  failed: "Failed",
  cancelled: "Cancelled",
};

export function Board() {
  const trpc = useTRPC();
  const [projectId, setProjectId] = useState("");
  const [agentId, setAgentId] = useState("");
  const [composing, setComposing] = useState(false);
  const projects = useQuery(trpc.project.list.queryOptions());
  const agents = useQuery(trpc.agent.list.queryOptions());
  const tasks = useQuery(
    trpc.task.list.queryOptions({ projectId: projectId || undefined, agentId: agentId || undefined, limit: 200 }, { staleTime: 60_000 }),
  );
  const { status, databaseDown } = useLiveBoard();
  const now = useNow(10_000);

  // While the database is down the banner above says so; the board keeps the cards it has.
  const error = databaseDown ? null : (tasks.error ?? projects.error);
  const noProjects = projects.data && projects.data.length === 0;

  return (
    <div>
      <div className="mb-4 flex flex-wrap items-center gap-2">
        <h1 className="mr-auto text-xl font-semibold tracking-tight">Tasks</h1>
        <select aria-label="Filter by project" className={selectClass} value={projectId} onChange={(e) => setProjectId(e.target.value)}>
          <option value="">All projects</option>
          {projects.data?.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </select>
        <select aria-label="Filter by agent" className={selectClass} value={agentId} onChange={(e) => setAgentId(e.target.value)}>
          <option value="">All agents</option>
          {agents.data?.map((a) => (
            <option key={a.id} value={a.id}>
              {a.name}
            </option>
          ))}
        </select>
        <Button tone="primary" onClick={() => setComposing(true)} disabled={!projects.data?.length}>
          New task
        </Button>
      </div>

      {error && (
        <div className="mb-4">
          <Notice tone="error" title="The board could not be loaded">
            {errorMessage(error)}
          </Notice>
        </div>
      )}
      {noProjects && (
        <div className="mb-4">
          <Notice title="Add a project to start" action={<Link className="font-medium text-accent hover:underline" href="/projects">Add a project →</Link>}>
            Wharf runs agents in git worktrees of your repositories. Point it at a git repository first.
          </Notice>
        </div>
      )}

      <div className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-3 xl:grid-cols-6">
        {columns.map((column) => {
          const items = (tasks.data?.items ?? []).filter((t) => columnOf(t.state) === column.id);
          return (
            <section key={column.id} aria-label={column.title} data-testid={`column-${column.id}`} className="flex min-h-40 flex-col rounded-xl border border-line bg-raised/50 p-2">
              <h2 className="flex items-center justify-between px-1.5 pt-0.5 pb-2 text-xs font-semibold tracking-wide text-muted uppercase">
                {column.title}
                <span className="rounded-full bg-panel px-1.5 py-0.5 text-[11px] font-medium ring-1 ring-line">{items.length}</span>
              </h2>
              <div className="flex flex-col gap-2">
                {tasks.isPending && <div className="h-20 animate-pulse rounded-lg bg-panel" />}
                {!tasks.isPending && items.length === 0 && <p className="px-1.5 py-3 text-xs text-muted">{column.empty}</p>}
                {items.map((task) => (
                  <Link
                    key={task.id}
                    href={`/tasks/${task.id}`}
                    data-testid="task-card"
                    data-task-id={task.id}
                    className={`block rounded-lg border bg-panel p-3 shadow-sm transition hover:border-accent/60 ${task.state === "needs_input" ? "border-amber-500/60" : "border-line"}`}
                  >
                    <div className="flex items-start justify-between gap-2">
                      <div className="line-clamp-2 text-sm font-medium">{taskTitle(task.prompt)}</div>
                      {task.state === "needs_input" && (
                        <span className="shrink-0 rounded-full bg-amber-500 px-1.5 py-0.5 text-[10px] font-semibold text-white uppercase" data-testid="needs-input-badge">
                          needs input
                        </span>
                      )}
                    </div>
                    <div className="mt-1.5 truncate text-xs text-muted" data-testid="card-status">
                      {status[task.id] ?? task.error ?? task.summary ?? idleStatus[task.state]}
                    </div>
                    <div className="mt-2 truncate text-xs text-muted">
                      {task.agent.name} · {task.project.name}
                    </div>
                    <div className="mt-2 flex items-center gap-2 text-xs text-muted">
                      <StateBadge state={task.state} />
                      <span className="ml-auto shrink-0 tabular-nums" title={new Date(task.createdAt).toLocaleString()}>
                        {age(task.createdAt, now)}
                      </span>
                    </div>
                  </Link>
                ))}
              </div>
            </section>
          );
        })}
      </div>
      {composing && <NewTaskDialog open={composing} onOpenChange={setComposing} defaultProjectId={projectId} />}
    </div>
  );
}

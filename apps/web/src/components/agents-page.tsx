"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { nativeVars } from "@wharf/api/schemas";
import { agentReport, reportSummary, type AgentReport, type Choice } from "~/lib/capabilities";
import { age, errorMessage } from "~/lib/format";
import { useTRPC } from "~/trpc/react";
import type { RouterOutputs } from "~/trpc/types";
import { AgentFormDialog } from "./agent-form-dialog";
import { InstallAction, InstallStatus, useAgentInstalls, type AgentInstalls } from "./agent-install";
import { SandboxBadge } from "./sandbox-badge";
import { Button, Notice } from "./ui";

type Agent = RouterOutputs["agent"]["list"][number];

export function AgentsPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const agents = useQuery(trpc.agent.list.queryOptions());
  const installs = useAgentInstalls();
  const [editing, setEditing] = useState<Agent | null>(null);
  const [formOpen, setFormOpen] = useState(false);
  const detect = useMutation(
    trpc.agent.detect.mutationOptions({
      onSuccess: async (_data, input) => {
        await Promise.all([queryClient.invalidateQueries(trpc.agent.pathFilter()), input.all ? installs.refresh() : null]);
      },
    }),
  );
  const checking = detect.isPending ? (detect.variables?.id ?? "all") : null;

  const openForm = (agent: Agent | null) => {
    setEditing(agent);
    setFormOpen(true);
  };
  // Installed agents first, then by name.
  const sorted = [...(agents.data ?? [])].sort((a, b) => Number(b.available === true) - Number(a.available === true) || a.name.localeCompare(b.name));
  const builtins = sorted.filter((a) => a.builtin);
  const custom = sorted.filter((a) => !a.builtin);

  return (
    <div className="mx-auto grid max-w-4xl grid-cols-1 gap-6">
      <div className="flex flex-wrap items-end gap-3" data-testid="agents-header">
        <div className="min-w-0 flex-1">
          {/* The badge beside the heading, not in it: the heading's name stays "Agents". */}
          <div className="flex items-center gap-2">
            <h1 className="text-xl font-semibold tracking-tight">Agents</h1>
            <SandboxBadge />
          </div>
          <p className="mt-1 text-sm text-muted">The coding agents Wharf can start. Each is checked on this machine: is its command installed, and which version.</p>
        </div>
        <Button onClick={() => detect.mutate({ all: true })} disabled={checking !== null} data-testid="check-all">
          <span className={checking === "all" ? "animate-spin" : ""} aria-hidden>
            ↻
          </span>
          {checking === "all" ? "Checking…" : "Check again"}
        </Button>
        <Button tone="primary" onClick={() => openForm(null)}>
          + Add agent
        </Button>
      </div>

      {agents.error && <Notice tone="error" title="Agents could not be loaded">{errorMessage(agents.error)}</Notice>}
      {detect.error && <Notice tone="error" title="Checking failed">{errorMessage(detect.error)}</Notice>}

      <AgentList
        title="Custom"
        installs={installs}
        agents={custom}
        checking={checking}
        onCheck={(id) => detect.mutate({ id })}
        onEdit={openForm}
        empty={
          <div className="rounded-lg border border-dashed border-line px-4 py-6 text-center text-sm text-muted">
            No custom agents yet. <button type="button" className="font-medium text-fg underline-offset-2 hover:underline focus-visible:underline focus-visible:outline-none" onClick={() => openForm(null)}>Add one</button> with any command that speaks ACP, or a terminal program.
          </div>
        }
      />
      <AgentList
        title="Built in"
        installs={installs}
        agents={builtins}
        checking={checking}
        onCheck={(id) => detect.mutate({ id })}
        onEdit={openForm}
        empty={agents.data ? <Notice title="No built-in agents yet">Start a runner: it registers the built-in agents and checks which are installed.</Notice> : null}
      />

      <AgentFormDialog open={formOpen} onOpenChange={setFormOpen} agent={editing} />
    </div>
  );
}

function AgentList(props: { title: string; agents: Agent[]; installs: AgentInstalls; checking: string | null; onCheck: (id: string) => void; onEdit: (a: Agent) => void; empty: ReactNode }) {
  const available = props.agents.filter((a) => a.available).length;
  return (
    <section className="grid min-w-0 grid-cols-1 gap-2" aria-label={`${props.title} agents`}>
      <h2 className="flex items-baseline gap-2 text-sm font-semibold">
        {props.title}
        {props.agents.length > 0 && (
          <span className="font-normal text-muted">
            {available} of {props.agents.length} available
          </span>
        )}
      </h2>
      {props.agents.length === 0 ? (
        props.empty
      ) : (
        <ul className="grid grid-cols-1 gap-2">
          {props.agents.map((a) => (
            <AgentRow key={a.id} agent={a} installs={props.installs} checking={props.checking === a.id || props.checking === "all"} onCheck={() => props.onCheck(a.id)} onEdit={() => props.onEdit(a)} />
          ))}
        </ul>
      )}
    </section>
  );
}

function AgentRow({ agent: a, installs, checking, onCheck, onEdit }: { agent: Agent; installs: AgentInstalls; checking: boolean; onCheck: () => void; onEdit: () => void }) {
  const native = a.transport === "native";
  // Built-in agents that are npm packages can be installed into Wharf's own agent folder.
  const npm = a.builtin ? installs.info(a.id) : undefined;
  const job = npm ? installs.job(a.id) : undefined;
  // A native agent's endpoint and model are its launch line; their variables need no chips.
  const envNames = Object.keys(a.env).filter((n) => !native || (n !== nativeVars.baseUrl && n !== nativeVars.model));
  const report = agentReport(a.capabilities);
  return (
    <li data-testid="agent-row" data-agent-id={a.id} className="min-w-0 rounded-lg border border-line bg-panel px-4 py-3">
      <div className="flex flex-wrap items-center gap-x-2 gap-y-1">
        <span className="font-medium">{a.name}</span>
        <span className="font-mono text-xs text-muted">{a.id}</span>
        <span className="rounded-full bg-raised px-2 py-0.5 text-[11px] font-medium tracking-wide uppercase">{a.transport}</span>
        <Status agent={a} />
        <div className="ml-auto flex items-center gap-1">
          {npm && <InstallAction name={a.name} available={a.available} info={npm} job={job} onInstall={() => installs.install(a.id)} onUpdate={() => installs.update(a.id)} />}
          <Button tone="ghost" className="px-2 py-1 text-xs" onClick={onCheck} disabled={checking} aria-label={`Check ${a.name} again`}>
            {checking ? "Checking…" : "Check"}
          </Button>
          <Button tone="ghost" className="px-2 py-1 text-xs" onClick={onEdit} aria-label={`Edit ${a.name}`}>
            Edit
          </Button>
        </div>
      </div>
      {native ? (
        <div className="mt-1 truncate font-mono text-xs text-muted" title={`${a.env[nativeVars.model] ?? ""} at ${a.env[nativeVars.baseUrl] ?? ""}`}>
          <span className="text-fg/80">{(a.env[nativeVars.model] ?? "").split(",").join(", ")}</span> <span className="font-sans">at</span> {a.env[nativeVars.baseUrl]}
        </div>
      ) : (
        <div className="mt-1 truncate font-mono text-xs text-muted" title={[a.command, ...a.args].join(" ")}>
          <span className="text-fg/80">{a.command}</span> {a.args.join(" ")}
        </div>
      )}
      {npm && <InstallStatus info={npm} job={job} callError={installs.callError(a.id)} />}
      {a.detectError && (
        <div data-testid="agent-detect-error" className={`mt-1 text-xs ${a.available === false && !a.builtin ? "text-rose-600 dark:text-rose-400" : "text-muted"}`}>
          {a.detectError}
        </div>
      )}
      {(envNames.length > 0 || a.secretEnvKeys.length > 0) && (
        <div className="mt-2 flex flex-wrap gap-1.5 text-[11px]">
          {envNames.map((n) => (
            <span key={n} className="rounded bg-raised px-1.5 py-0.5 font-mono">
              {n}
            </span>
          ))}
          {a.secretEnvKeys.map((n) => (
            <span key={n} className="inline-flex items-center gap-1 rounded bg-raised px-1.5 py-0.5 font-mono" title="Secret: set, never shown">
              <svg viewBox="0 0 16 16" className="size-3 text-muted" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" aria-hidden>
                <rect x="3" y="7" width="10" height="7" rx="1.5" />
                <path d="M5.5 7V5a2.5 2.5 0 0 1 5 0v2" />
              </svg>
              {n} <span className="font-sans text-muted">set</span>
            </span>
          ))}
        </div>
      )}
      {report && <Reported report={report} />}
    </li>
  );
}

/** What the agent said about itself when it last started: a one-line summary that opens to the lists. */
function Reported({ report }: { report: AgentReport }) {
  return (
    <details className="group mt-2" data-testid="agent-reported">
      <summary className="inline-flex cursor-pointer list-none items-center gap-1.5 rounded text-xs text-muted select-none hover:text-fg focus-visible:ring-2 focus-visible:ring-accent focus-visible:outline-none [&::-webkit-details-marker]:hidden">
        <span aria-hidden className="inline-block text-[10px] transition-transform group-open:rotate-90">
          ▶
        </span>
        <span>
          Reported: <span className="text-fg/80">{reportSummary(report)}</span>
        </span>
      </summary>
      <dl className="mt-2 grid grid-cols-[auto_minmax(0,1fr)] gap-x-4 gap-y-2 rounded-md border border-line bg-raised/40 px-3 py-2.5 text-xs">
        {(report.agent || report.version) && (
          <>
            <dt className="text-muted">Agent</dt>
            <dd className="font-mono">
              {[report.agent, report.version].filter(Boolean).join(" ")}
              {report.reportedAt && <span className="ml-2 font-sans text-muted">reported {age(report.reportedAt)} ago</span>}
            </dd>
          </>
        )}
        {report.modes.length > 0 && <ChoiceList title="Modes" choices={report.modes} current={report.defaultMode} />}
        {report.models.length > 0 && <ChoiceList title="Models" choices={report.models} current={report.defaultModel} />}
        {report.commands.length > 0 && (
          <>
            <dt className="text-muted">Commands</dt>
            <dd>
              <ul className="grid max-h-48 gap-0.5 overflow-y-auto">
                {report.commands.map((c) => (
                  <li key={c.name} className="flex min-w-0 gap-2">
                    <span className="shrink-0 font-mono">/{c.name}</span>
                    {c.description && <span className="truncate text-muted" title={c.description}>{c.description}</span>}
                  </li>
                ))}
              </ul>
            </dd>
          </>
        )}
      </dl>
    </details>
  );
}

function ChoiceList({ title, choices, current }: { title: string; choices: Choice[]; current: string | undefined }) {
  return (
    <>
      <dt className="text-muted">{title}</dt>
      <dd className="flex flex-wrap gap-1.5" data-testid={`reported-${title.toLowerCase()}`}>
        {choices.map((c) => (
          <span key={c.id} className="inline-flex items-center gap-1 rounded bg-raised px-1.5 py-0.5" title={c.description ?? c.id}>
            {c.name}
            {c.id === current && <span className="text-muted">· default</span>}
          </span>
        ))}
      </dd>
    </>
  );
}

function Status({ agent: a }: { agent: Agent }) {
  const tone =
    a.available === false
      ? "bg-rose-500/10 text-rose-700 ring-rose-500/30 dark:text-rose-300"
      : a.available
        ? "bg-emerald-500/10 text-emerald-700 ring-emerald-500/30 dark:text-emerald-300"
        : "bg-slate-500/10 text-muted ring-slate-500/30";
  const dot = a.available === false ? "bg-rose-500" : a.available ? "bg-emerald-500" : "bg-slate-400";
  const label = a.available === false ? "not found" : a.available ? `available${a.version ? ` · ${a.version}` : ""}` : "not checked yet";
  return (
    <span
      data-testid="agent-status"
      className={`inline-flex items-center gap-1.5 rounded-full px-2 py-0.5 text-xs font-medium ring-1 ${tone}`}
      title={a.detectedAt ? `Checked ${age(a.detectedAt)} ago` : undefined}
    >
      <span className={`size-1.5 rounded-full ${dot}`} aria-hidden />
      {label}
    </span>
  );
}

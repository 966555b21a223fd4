"use client";

import { useSubscription } from "@trpc/tanstack-react-query";
import { useState } from "react";
import { age, errorMessage } from "~/lib/format";
import { useTRPC } from "~/trpc/react";
import type { RouterOutputs } from "~/trpc/types";
import { Notice } from "./ui";
import { useNow } from "~/lib/use-now";

type Runner = RouterOutputs["runner"]["list"][number];

export function RunnersPage() {
  const trpc = useTRPC();
  const [runners, setRunners] = useState<Runner[] | null>(null);
  const subscription = useSubscription(trpc.runner.changes.subscriptionOptions(undefined, { onData: (list) => setRunners(list) }));
  const now = useNow();
  const live = runners?.filter((r) => r.live) ?? [];
  const gone = runners?.filter((r) => !r.live) ?? [];

  return (
    <div className="mx-auto grid max-w-4xl grid-cols-1 gap-6">
      <div>
        <h1 className="text-xl font-semibold tracking-tight">Runners</h1>
        <p className="mt-1 text-sm text-muted">
          The processes that run tasks, on this host or others (<code className="font-mono text-xs">./wharf runner</code>). A task goes to a runner that has its agent installed.
        </p>
      </div>
      {subscription.error && <Notice tone="error" title="Runners could not be loaded">{errorMessage(subscription.error)}</Notice>}
      <section className="grid min-w-0 grid-cols-1 gap-2" aria-label="Live runners">
        <h2 className="flex items-baseline gap-2 text-sm font-semibold">
          Live
          {runners && <span className="font-normal text-muted">{live.length === 1 ? "1 runner" : `${live.length} runners`}, {live.reduce((n, r) => n + r.running, 0)} of {live.reduce((n, r) => n + r.concurrency, 0)} task slots in use</span>}
        </h2>
        {runners === null ? (
          <p className="text-sm text-muted">Loading…</p>
        ) : live.length === 0 ? (
          <Notice title="No runner is running">Tasks wait in the queue until one starts: <code className="font-mono text-xs">./wharf start</code> runs one, <code className="font-mono text-xs">./wharf runner</code> adds one on another host.</Notice>
        ) : (
          <ul className="grid grid-cols-1 gap-2">
            {live.map((r) => (
              <RunnerRow key={r.id} runner={r} now={now} />
            ))}
          </ul>
        )}
      </section>
      {gone.length > 0 && (
        <section className="grid min-w-0 grid-cols-1 gap-2" aria-label="Stopped runners">
          <h2 className="text-sm font-semibold">Stopped or unreachable <span className="font-normal text-muted">in the last day</span></h2>
          <ul className="grid grid-cols-1 gap-2">
            {gone.map((r) => (
              <RunnerRow key={r.id} runner={r} now={now} />
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}

function RunnerRow({ runner: r, now }: { runner: Runner; now: number }) {
  // A live runner whose heartbeat is late (more than one interval and a half) is shown as such before it counts as gone.
  const late = r.live && now - new Date(r.heartbeatAt).getTime() > r.heartbeatMs * 1.5;
  const state = r.live ? (late ? { label: "late", dot: "bg-amber-500" } : { label: "live", dot: "bg-emerald-500" }) : r.stoppedAt ? { label: "stopped", dot: "bg-slate-400" } : { label: "unreachable", dot: "bg-rose-500" };
  return (
    <li data-testid="runner-row" data-runner-id={r.id} className={`min-w-0 rounded-lg border border-line bg-panel px-4 py-3 ${r.live ? "" : "opacity-75"}`}>
      <div className="flex flex-wrap items-center gap-x-2 gap-y-1">
        <span className={`size-2 rounded-full ${state.dot}`} aria-hidden />
        <span className="font-medium">{r.hostname}</span>
        <span className="font-mono text-xs text-muted">{r.id}</span>
        <span className="text-xs text-muted">{state.label}</span>
        <span className="ml-auto text-xs text-muted tabular-nums">
          {r.live ? `${r.running} of ${r.concurrency} running` : `ran ${r.concurrency} at once`}
        </span>
      </div>
      <div className="mt-2 flex flex-wrap items-center gap-1.5" aria-label="Agents on this host">
        {r.agents.length === 0 ? (
          <span className="text-xs text-muted">No agent installed on this host: it takes no tasks.</span>
        ) : (
          r.agents.map((id) => (
            <span key={id} className="rounded-full bg-raised px-2 py-0.5 font-mono text-[11px]">
              {id}
            </span>
          ))
        )}
      </div>
      <div className="mt-2 flex flex-wrap gap-x-4 gap-y-1 text-xs text-muted">
        <span>version {r.version || "unknown"}</span>
        <span>pid {r.pid}</span>
        <span>started {age(r.startedAt, now)} ago</span>
        <span>{r.stoppedAt ? `stopped ${age(r.stoppedAt, now)} ago` : `heartbeat ${age(r.heartbeatAt, now)} ago`}</span>
        <span>{r.sandboxOn ? "agents sandboxed" : "agents not sandboxed"}</span>
      </div>
    </li>
  );
}

"use client";

import { useQuery } from "@tanstack/react-query";
import { errorMessage } from "~/lib/format";
import { useTRPC } from "~/trpc/react";
import { Notice } from "./ui";

export function AgentsPage() {
  const trpc = useTRPC();
  const agents = useQuery(trpc.agent.list.queryOptions());
  return (
    <div className="mx-auto grid max-w-3xl gap-5">
      <div>
        <h1 className="text-xl font-semibold tracking-tight">Agents</h1>
        <p className="mt-1 text-sm text-muted">The coding agents Wharf can start. Availability is checked by the runner.</p>
      </div>
      {agents.error && <Notice tone="error" title="Agents could not be loaded">{errorMessage(agents.error)}</Notice>}
      {agents.data?.length === 0 && <Notice title="No agents yet">Start a runner: it registers the built-in agents it finds.</Notice>}
      <ul className="grid gap-2">
        {agents.data?.map((a) => (
          <li key={a.id} data-testid="agent-row" className="rounded-lg border border-line bg-panel px-4 py-3">
            <div className="flex flex-wrap items-center gap-2">
              <span className="font-medium">{a.name}</span>
              <span className="font-mono text-xs text-muted">{a.id}</span>
              <span className="rounded-full bg-raised px-2 py-0.5 text-xs uppercase">{a.transport}</span>
              {a.builtin && <span className="text-xs text-muted">built-in</span>}
              <span
                className={`ml-auto inline-flex items-center gap-1.5 text-xs ${a.available === false ? "text-rose-600 dark:text-rose-400" : a.available ? "text-emerald-600 dark:text-emerald-400" : "text-muted"}`}
              >
                <span className={`size-2 rounded-full ${a.available === false ? "bg-rose-500" : a.available ? "bg-emerald-500" : "bg-slate-400"}`} aria-hidden />
                {a.available === false ? "not available" : a.available ? `available${a.version ? ` · ${a.version}` : ""}` : "not checked yet"}
              </span>
            </div>
            <div className="mt-1 truncate font-mono text-xs text-muted">
              {a.command} {a.args.join(" ")}
            </div>
            {a.detectError && <div className="mt-1 text-xs text-rose-600 dark:text-rose-400">{a.detectError}</div>}
          </li>
        ))}
      </ul>
    </div>
  );
}

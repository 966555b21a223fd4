"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import { useCallback, useRef, useState } from "react";
import { errorMessage } from "~/lib/format";
import { useTRPC } from "~/trpc/react";
import type { RouterOutputs } from "~/trpc/types";
import { Button } from "./ui";

type Installable = RouterOutputs["agent"]["installable"][number];
type InstallJob = RouterOutputs["agent"]["install"]["job"];

/** What the Agents page knows about installing agents: each npm agent, its live install job, and the actions. */
export type AgentInstalls = {
  info: (id: string) => Installable | undefined;
  job: (id: string) => InstallJob | undefined;
  /** An error of the install/update call itself (a conflict, the registry unreachable for Update). */
  callError: (id: string) => string | undefined;
  install: (id: string) => void;
  update: (id: string) => void;
  /** Asks the registry again for the newest versions ("Check again"). */
  refresh: () => Promise<void>;
};

export function useAgentInstalls(): AgentInstalls {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const installable = useQuery(trpc.agent.installable.queryOptions(undefined, { staleTime: 60_000 }));
  const [jobs, setJobs] = useState<Record<string, InstallJob>>({});
  const states = useRef(new Map<string, InstallJob["state"]>());
  const [callErrors, setCallErrors] = useState<Record<string, string>>({});

  const refreshAfter = useCallback(async () => {
    await Promise.all([queryClient.invalidateQueries(trpc.agent.list.queryFilter()), queryClient.invalidateQueries(trpc.agent.installable.queryFilter())]);
  }, [queryClient, trpc]);

  useSubscription(
    trpc.agent.installs.subscriptionOptions(undefined, {
      onData: (job) => {
        // An install that finishes while the page looks changes what detection says: read the agents again.
        const before = states.current.get(job.agentId);
        states.current.set(job.agentId, job.state);
        if (job.state === "installed" && before !== undefined && before !== "installed") void refreshAfter();
        setJobs((all) => ({ ...all, [job.agentId]: job }));
      },
    }),
  );

  const onCall = (id: string) => ({
    onMutate: () => setCallErrors(({ [id]: _, ...rest }) => rest),
    // The stream may have told a later state of this job already; an older job is replaced.
    onSuccess: (result: { job: InstallJob }) => {
      setJobs((all) => (all[id] && all[id].startedAt >= result.job.startedAt && all[id].state !== "queued" ? all : { ...all, [id]: result.job }));
    },
    onError: (error: unknown) => setCallErrors((all) => ({ ...all, [id]: errorMessage(error) })),
  });
  const install = useMutation(trpc.agent.install.mutationOptions());
  const update = useMutation(trpc.agent.update.mutationOptions());

  return {
    info: (id) => installable.data?.find((i) => i.id === id),
    job: (id) => jobs[id],
    callError: (id) => callErrors[id],
    install: (id) => install.mutate({ id }, onCall(id)),
    update: (id) => update.mutate({ id }, onCall(id)),
    refresh: async () => {
      const fresh = await queryClient.fetchQuery(trpc.agent.installable.queryOptions({ fresh: true }, { staleTime: 0 }));
      queryClient.setQueryData(trpc.agent.installable.queryKey(), fresh);
    },
  };
}

const busy = (job: InstallJob | undefined) => job?.state === "queued" || job?.state === "running";

/** Install / Installing… / Update to vY, next to an agent's Check and Edit buttons. */
export function InstallAction({ name, available, info, job, onInstall, onUpdate }: { name: string; available: boolean | null; info: Installable; job: InstallJob | undefined; onInstall: () => void; onUpdate: () => void }) {
  if (busy(job)) {
    return (
      <Button tone="secondary" className="px-2 py-1 text-xs" disabled aria-label={`Installing ${name}`}>
        <span className="inline-block size-3 animate-spin rounded-full border-2 border-current border-r-transparent" aria-hidden />
        {job?.action === "update" ? "Updating…" : "Installing…"}
      </Button>
    );
  }
  if (info.installed) {
    return info.updatable && info.latest ? (
      <Button tone="secondary" className="px-2 py-1 text-xs" onClick={onUpdate} title={`npm install ${info.package}@${info.latest} into Wharf's agent folder`}>
        Update to v{info.latest}
      </Button>
    ) : null;
  }
  if (available) return null;
  return (
    <Button tone="secondary" className="px-2 py-1 text-xs" onClick={onInstall} aria-label={`Install ${name}`} title={`npm install ${info.package}@${info.pinned} into Wharf's own agent folder (not global)`}>
      <svg viewBox="0 0 16 16" className="size-3.5" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" strokeLinejoin="round" aria-hidden>
        <path d="M8 2.5v7.5M4.5 6.5 8 10l3.5-3.5M3 13h10" />
      </svg>
      {job?.state === "failed" ? "Try again" : "Install"}
    </Button>
  );
}

/** The line under an agent: installed where and which version, or the running install's progress, or why it failed. */
export function InstallStatus({ info, job, callError }: { info: Installable; job: InstallJob | undefined; callError: string | undefined }) {
  if (busy(job)) {
    return (
      <div data-testid="agent-install-progress" role="status" aria-live="polite" className="mt-2 flex min-w-0 items-center gap-2 rounded-md bg-raised/60 px-2.5 py-1.5 text-xs">
        <span className="inline-block size-3 shrink-0 animate-spin rounded-full border-2 border-accent border-r-transparent" aria-hidden />
        <span className="shrink-0 font-medium">
          {job!.state === "queued" ? "Waiting for another install…" : `${job!.action === "update" ? "Updating to" : "Installing"} ${job!.package}@${job!.version}`}
        </span>
        {job!.progress && <span className="min-w-0 truncate font-mono text-muted" title={job!.progress}>{job!.progress}</span>}
        {job!.requests > 0 && <span className="ml-auto shrink-0 text-muted tabular-nums">{job!.requests} fetched</span>}
      </div>
    );
  }
  const failure = job?.state === "failed" ? job.error : null;
  return (
    <>
      {info.installed && (
        <div data-testid="agent-installed" className="mt-1 text-xs text-muted">
          Installed <span className="font-medium text-fg">v{info.installed}</span> in Wharf&apos;s agent folder
          {info.updatable && info.latest ? <span> · v{info.latest} is available</span> : null}
          {info.latestError ? <span title={info.latestError}> · newest version unknown (registry not reachable)</span> : null}
        </div>
      )}
      {(failure ?? callError) && (
        <div data-testid="agent-install-error" role="alert" className="mt-2 rounded-md border border-rose-500/40 bg-rose-500/5 px-3 py-2 text-xs">
          <div className="font-medium text-rose-700 dark:text-rose-300">{failure ? `${job!.action === "update" ? "Update" : "Install"} failed` : "Could not start"}</div>
          <div className="mt-0.5">{failure?.message ?? callError}</div>
          {job && failure && job.output.length > 0 && (
            <details className="mt-1.5">
              <summary className="cursor-pointer text-muted select-none hover:text-fg">npm&apos;s last lines</summary>
              <pre className="mt-1 max-h-48 overflow-auto rounded bg-raised px-2 py-1.5 font-mono text-[11px] leading-snug whitespace-pre-wrap">{job.output.join("\n")}</pre>
            </details>
          )}
        </div>
      )}
    </>
  );
}

"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "~/trpc/react";

/**
 * Whether agents run in the OS sandbox, as the latest runner reported it (health.check): a small
 * badge whose title says why it is off and how to turn it on.
 */
export function SandboxBadge() {
  const trpc = useTRPC();
  const health = useQuery(trpc.health.check.queryOptions(undefined, { staleTime: 60_000 }));
  const sandbox = health.data?.sandbox;
  if (!sandbox) return null;
  const title = sandbox.on
    ? "Agents run in an OS sandbox (bubblewrap): they can write only in their worktree and cannot see Wharf's token, database or other tasks."
    : sandbox.mode === "off"
      ? "The OS sandbox is turned off (WHARF_SANDBOX=off): agents run with your full rights."
      : `Agents run with your full rights: ${sandbox.reason}. Install bubblewrap (sudo apt-get install bubblewrap) and restart Wharf.`;
  return (
    <span
      data-testid="sandbox-badge"
      data-sandbox={sandbox.on ? "on" : "off"}
      title={title}
      className={`inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-medium ring-1 ${
        sandbox.on
          ? "bg-emerald-500/10 text-emerald-700 ring-emerald-500/30 dark:text-emerald-300"
          : "bg-amber-500/10 text-amber-800 ring-amber-500/40 dark:text-amber-300"
      }`}
    >
      <span aria-hidden>{sandbox.on ? "🔒" : "⚠"}</span>
      {sandbox.on ? "Sandboxed" : "Not sandboxed"}
    </span>
  );
}

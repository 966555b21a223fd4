"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "~/trpc/react";

/**
 * Whether agents run in the OS sandbox, as the latest runner reported it (health.check): a small
 * badge whose title says why it is off and how to turn it on. `inline`: a quieter form for a line
 * of task details, where a second pill next to the task's state read as another state.
 */
export function SandboxBadge({ inline = false }: { inline?: boolean }) {
  const trpc = useTRPC();
  const health = useQuery(trpc.health.check.queryOptions(undefined, { staleTime: 60_000 }));
  const sandbox = health.data?.sandbox;
  if (!sandbox) return null;
  const title = sandbox.on
    ? "Agents run in an OS sandbox (bubblewrap): they can write only in their worktree and cannot see Wharf's token, database or other tasks."
    : sandbox.mode === "off"
      ? "The OS sandbox is turned off (WHARF_SANDBOX=off): agents run with your full rights."
      : `Agents run with your full rights: ${sandbox.reason}. Install bubblewrap (sudo apt-get install bubblewrap) and restart Wharf.`;
  if (inline) {
    return (
      <span
        data-testid="sandbox-badge"
        data-sandbox={sandbox.on ? "on" : "off"}
        title={title}
        className={`inline-flex items-center gap-1 ${sandbox.on ? "" : "font-medium text-amber-800 dark:text-amber-300"}`}
      >
        <span aria-hidden>·</span>
        <span className={sandbox.on ? "text-emerald-700 dark:text-emerald-300" : ""}>{sandbox.on ? <LockIcon /> : <WarningIcon />}</span>
        {sandbox.on ? "Sandboxed" : "Not sandboxed"}
      </span>
    );
  }
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
      {sandbox.on ? <LockIcon /> : <WarningIcon />}
      {sandbox.on ? "Sandboxed" : "Not sandboxed"}
    </span>
  );
}

// Drawn, not emoji: machines without an emoji font (a server's Chromium) showed an empty box.
function LockIcon() {
  return (
    <svg aria-hidden viewBox="0 0 16 16" className="h-3 w-3 shrink-0" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" strokeLinejoin="round">
      <rect x="3" y="7" width="10" height="7" rx="1.5" />
      <path d="M5.5 7V5a2.5 2.5 0 0 1 5 0v2" />
    </svg>
  );
}

function WarningIcon() {
  return (
    <svg aria-hidden viewBox="0 0 16 16" className="h-3 w-3 shrink-0" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" strokeLinejoin="round">
      <path d="M8 2.2 14.5 13.5h-13z" />
      <path d="M8 6.5v3" />
      <path d="M8 11.6v.1" />
    </svg>
  );
}

import type { ToolKind, ToolStatus } from "@wharf/api";

/** 16×16 stroke icons (no emoji: they depend on the fonts a machine has). */
const paths: Record<ToolKind, string> = {
  read: "M2 3h5a2 2 0 0 1 2 2v9a1.5 1.5 0 0 0-1.5-1.5H2zM14 3H9a2 2 0 0 0-2 2v9a1.5 1.5 0 0 1 1.5-1.5H14z",
  edit: "M10.5 2.5l3 3L6 13H3v-3z M9 4l3 3",
  delete: "M3 4h10M6 4V2.5h4V4M4.5 4l.7 9.5h5.6l.7-9.5",
  move: "M2 8h12M10 4l4 4-4 4M6 4L2 8l4 4",
  search: "M7 12A5 5 0 1 0 7 2a5 5 0 0 0 0 10zM10.5 10.5L14 14",
  execute: "M2.5 3.5h11v9h-11zM5 6.5l2 1.5-2 1.5M8.5 10h2.5",
  think: "M8 2a4 4 0 0 0-2.5 7.1V11h5V9.1A4 4 0 0 0 8 2zM6 13.5h4",
  fetch: "M8 14A6 6 0 1 0 8 2a6 6 0 0 0 0 12zM2 8h12M8 2c2 2 2 10 0 12M8 2c-2 2-2 10 0 12",
  switch_mode: "M3 5h10l-3-3M13 11H3l3 3",
  other: "M8 10.5a2.5 2.5 0 1 0 0-5 2.5 2.5 0 0 0 0 5zM8 1.5v2M8 12.5v2M1.5 8h2M12.5 8h2M3.4 3.4l1.4 1.4M11.2 11.2l1.4 1.4M3.4 12.6l1.4-1.4M11.2 4.8l1.4-1.4",
};

export function ToolIcon({ kind }: { kind: ToolKind }) {
  return (
    <span className="grid size-6 shrink-0 place-items-center rounded-md bg-raised text-muted ring-1 ring-line" title={kind}>
      <svg viewBox="0 0 16 16" className="size-3.5" fill="none" stroke="currentColor" strokeWidth="1.4" strokeLinecap="round" strokeLinejoin="round" role="img" aria-label={kind}>
        <path d={paths[kind]} />
      </svg>
    </span>
  );
}

const statusStyle: Record<ToolStatus, { label: string; tone: string }> = {
  pending: { label: "pending", tone: "text-muted ring-line" },
  in_progress: { label: "running", tone: "text-sky-700 dark:text-sky-300 ring-sky-500/40" },
  completed: { label: "done", tone: "text-emerald-700 dark:text-emerald-300 ring-emerald-500/40" },
  failed: { label: "failed", tone: "text-rose-700 dark:text-rose-300 ring-rose-500/40" },
  awaiting_permission: { label: "awaiting permission", tone: "text-amber-700 dark:text-amber-300 ring-amber-500/50" },
  denied: { label: "denied", tone: "text-rose-700 dark:text-rose-300 ring-rose-500/40" },
};

export function ToolStatusBadge({ status }: { status: ToolStatus }) {
  const s = statusStyle[status];
  return (
    <span data-testid="tool-status" className={`inline-flex shrink-0 items-center gap-1 rounded-full px-2 py-0.5 text-[11px] font-medium ring-1 ${s.tone}`}>
      {status === "in_progress" && <span className="size-1.5 animate-pulse rounded-full bg-sky-500" aria-hidden />}
      {s.label}
    </span>
  );
}

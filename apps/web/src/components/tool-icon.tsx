import type { ToolKind, ToolStatus } from "@wharf/api";

const icons: Record<ToolKind, string> = {
  read: "📖",
  edit: "✏️",
  delete: "🗑",
  move: "↔",
  search: "🔍",
  execute: "▶",
  think: "💭",
  fetch: "🌐",
  switch_mode: "⇄",
  other: "⚙",
};

export function ToolIcon({ kind }: { kind: ToolKind }) {
  return (
    <span className="grid size-6 shrink-0 place-items-center rounded-md bg-raised text-xs ring-1 ring-line" aria-label={kind} title={kind}>
      {icons[kind]}
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

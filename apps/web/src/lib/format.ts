import type { TaskState } from "@wharf/api";
import { unsuccessfulTaskStates } from "@wharf/api/task-states";

export type ColumnId = "queued" | "running" | "needs_input" | "review" | "done" | "failed";

export const columns: { id: ColumnId; title: string; states: TaskState[]; empty: string }[] = [
  { id: "queued", title: "Queued", states: ["blocked", "queued"], empty: "Nothing waiting for a runner." },
  { id: "running", title: "Running", states: ["running"], empty: "No agent is working right now." },
  { id: "needs_input", title: "Needs input", states: ["needs_input"], empty: "No agent is waiting for you." },
  { id: "review", title: "Review", states: ["review"], empty: "No changes to review." },
  { id: "done", title: "Done", states: ["applied", "completed", "discarded"], empty: "Finished tasks land here." },
  { id: "failed", title: "Failed", states: [...unsuccessfulTaskStates], empty: "Nothing failed. Good." },
];

export function columnOf(state: TaskState): ColumnId {
  return columns.find((c) => c.states.includes(state))?.id ?? "queued";
}

export const stateLabel: Record<TaskState, string> = {
  blocked: "Blocked",
  queued: "Queued",
  running: "Running",
  needs_input: "Needs input",
  review: "Review",
  applied: "Applied",
  discarded: "Discarded",
  completed: "Completed",
  failed: "Failed",
  cancelled: "Cancelled",
};

export const stateTone: Record<TaskState, string> = {
  blocked: "bg-orange-500/15 text-orange-700 dark:text-orange-300 ring-orange-500/30",
  queued: "bg-slate-500/15 text-slate-600 dark:text-slate-300 ring-slate-500/30",
  running: "bg-sky-500/15 text-sky-700 dark:text-sky-300 ring-sky-500/30",
  needs_input: "bg-amber-500/15 text-amber-700 dark:text-amber-300 ring-amber-500/40",
  review: "bg-violet-500/15 text-violet-700 dark:text-violet-300 ring-violet-500/30",
  applied: "bg-emerald-500/15 text-emerald-700 dark:text-emerald-300 ring-emerald-500/30",
  completed: "bg-emerald-500/15 text-emerald-700 dark:text-emerald-300 ring-emerald-500/30",
  discarded: "bg-slate-500/15 text-slate-600 dark:text-slate-400 ring-slate-500/30",
  failed: "bg-rose-500/15 text-rose-700 dark:text-rose-300 ring-rose-500/30",
  cancelled: "bg-rose-500/10 text-rose-700 dark:text-rose-300 ring-rose-500/20",
};

/** "12s", "5m", "3h", "2d": how long ago `date` was, relative to `now`. */
export function age(date: Date | string, now: number = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - new Date(date).getTime()) / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h`;
  return `${Math.floor(hours / 24)}d`;
}

/**
 * `12,345`: a count with thousands separators. Written out rather than `toLocaleString("en")`:
 * a page's first call into the browser's Intl (ICU) loads its locale data, 30–45 ms of a fresh
 * tab's main thread on a small machine, which the board and task page paid during hydration.
 */
export function formatCount(n: number): string {
  const digits = String(Math.trunc(Math.abs(n)));
  return `${n < 0 ? "-" : ""}${digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}`;
}

/**
 * `2026-12-05 13:40:07` in local time, or `2026-12-05 12:40:07 UTC`: a timestamp for titles and
 * details, without Intl (see formatCount). Components use `useDateTime`, which picks the zone.
 */
export function formatDateTime(date: Date | string, zone: "local" | "utc" = "local"): string {
  const at = new Date(date).getTime();
  if (Number.isNaN(at)) return "";
  // Local time is UTC moved by the zone's offset at that moment: one way of writing it out for both.
  const d = new Date(zone === "utc" ? at : at - new Date(at).getTimezoneOffset() * 60_000);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}${zone === "utc" ? " UTC" : ""}`;
}

/** The first line of a prompt, without a scenario or code block, for titles. */
export function taskTitle(prompt: string): string {
  const line = prompt.split("\n").find((l) => l.trim() && !l.startsWith("```"));
  const title = (line ?? prompt).trim();
  return title.length > 120 ? `${title.slice(0, 119)}…` : title || "Untitled task";
}

export function formatTokens(n: number | undefined): string {
  if (n === undefined) return "–";
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(1)}k`;
  return `${(n / 1_000_000).toFixed(2)}M`;
}

/** The message of a tRPC (or any) error, for people; never a stack trace. */
export function errorMessage(error: unknown): string {
  const code = error && typeof error === "object" && "data" in error ? (error.data as { code?: unknown } | null)?.code : undefined;
  if (code === "UNAUTHORIZED") return "Wharf refused this page's access token (it may have been rotated). Reload the page.";
  if (error && typeof error === "object" && "message" in error && typeof error.message === "string" && code === "INTERNAL_SERVER_ERROR" && /ECONNREFUSED|database|connect/i.test(error.message)) {
    return "Wharf cannot reach its database. Check that it is running (./wharf start starts it) and try again.";
  }
  if (error && typeof error === "object" && "message" in error && typeof error.message === "string") {
    const message = error.message;
    // zod issues arrive as a JSON array in the message of a BAD_REQUEST.
    if (message.startsWith("[")) {
      try {
        const issues = JSON.parse(message) as { message?: string; path?: unknown[] }[];
        return issues.map((i) => i.message).filter(Boolean).join(" ");
      } catch {
        return message;
      }
    }
    if (/fetch failed|Failed to fetch|NetworkError/i.test(message)) return "Wharf's web server does not answer. Is it running (./wharf start)?";
    return message;
  }
  return String(error);
}

/** A path inside the task's worktree, shown relative to it. */
export function relativePath(path: string, root: string | null | undefined): string {
  if (root && path.startsWith(`${root.replace(/\/$/, "")}/`)) return path.slice(root.replace(/\/$/, "").length + 1);
  return path;
}

/** How long something ran, from `start` to `end` (or `now` while it runs): "42s", "3m 05s", "2h 10m"; "–" before it started. */
export function elapsed(start: Date | string | null, end: Date | string | null, now: number = Date.now()): string {
  if (!start) return "–";
  const seconds = Math.max(0, Math.round(((end ? new Date(end).getTime() : now) - new Date(start).getTime()) / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, "0")}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, "0")}m`;
}

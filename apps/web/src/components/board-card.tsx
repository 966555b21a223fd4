"use client";

import type { TaskState } from "@wharf/api";
import Link from "next/link";
import { age, stateLabel, taskTitle } from "~/lib/format";
import { useDateTime } from "./date-time";
import { StateBadge } from "./ui";

/** What a board card shows (a row of `board.live` or `board.finished`). */
export type Card = {
  id: string;
  prompt: string;
  state: TaskState;
  agentName: string;
  projectName: string;
  branch: string | null;
  error: string | null;
  summary: string | null;
  createdAt: Date;
  archivedAt: Date | null;
  parentId: string | null;
  subtasks: number;
  subtasksDone: number;
  blockedReason: string | null;
  /** The pull (merge) request opened for the task, if any. */
  prNumber?: number | null;
  /** Best-of-N: the attempt group (its compare view), this card's place in it, and how many attempts it has. */
  attemptGroup?: string | null;
  attemptIndex?: number | null;
  attempts?: number;
};

const idleStatus: Record<TaskState, string> = {
  blocked: "Waiting for its dependencies",
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

/**
 * One task on the board: a link to its page (focusable, reached with the arrow keys or j/k/h/l),
 * and for finished tasks an Archive (or Unarchive) button beside it.
 */
export function BoardCard({
  task,
  status,
  now,
  column,
  row,
  onArchive,
  archiving,
}: {
  task: Card;
  status?: string;
  now: number;
  column: number;
  row: number;
  onArchive?: (task: Card) => void;
  archiving?: boolean;
}) {
  const title = taskTitle(task.prompt);
  const created = useDateTime(task.createdAt);
  const archived = task.archivedAt !== null;
  return (
    <li className="group relative">
      {/* No prefetch: a board shows hundreds of cards, and each prefetch is a server render. */}
      <Link
        href={`/tasks/${task.id}`}
        prefetch={false}
        data-testid="task-card"
        data-task-id={task.id}
        data-card-column={column}
        data-card-row={row}
        aria-label={`${title}. ${stateLabel[task.state]}${task.state === "needs_input" ? ", needs your input" : ""}${task.state === "blocked" && task.blockedReason ? `, ${task.blockedReason}` : ""}. ${task.agentName} on ${task.projectName}.`}
        className={`block rounded-lg border bg-panel p-3 shadow-sm transition hover:border-accent/60 focus-visible:border-accent focus-visible:ring-2 focus-visible:ring-accent focus-visible:outline-none ${task.state === "needs_input" ? "border-amber-500/60" : "border-line"}`}
      >
        <div className="flex items-start justify-between gap-2">
          <div className={`line-clamp-2 text-sm font-medium ${onArchive ? "pr-6" : ""}`}>{title}</div>
          {task.state === "needs_input" && (
            <span className="shrink-0 rounded-full bg-amber-500 px-1.5 py-0.5 text-[10px] font-semibold text-white uppercase" data-testid="needs-input-badge">
              needs input
            </span>
          )}
        </div>
        <div className="mt-1.5 truncate text-xs text-muted" data-testid="card-status" title={task.blockedReason ?? undefined}>
          {task.state === "blocked" ? (task.blockedReason ?? idleStatus.blocked) : (status ?? task.error ?? task.summary ?? idleStatus[task.state])}
        </div>
        {(task.parentId || task.subtasks > 0) && (
          <div className="mt-1.5 flex items-center gap-2 text-[11px] text-muted" data-testid="card-tree">
            {task.parentId && (
              <span className="truncate" data-testid="card-parent">
                ↳ subtask of <span className="font-mono">#{task.parentId.slice(0, 8)}</span>
              </span>
            )}
            {task.subtasks > 0 && (
              <span className="ml-auto shrink-0 tabular-nums" data-testid="card-subtasks">
                {task.subtasksDone}/{task.subtasks} subtasks done
              </span>
            )}
          </div>
        )}
        {/* Age beside the agent, so the short id below keeps its eight characters in a narrow column. */}
        <div className="mt-2 flex items-center gap-2 text-xs text-muted">
          <span className="min-w-0 truncate">
            {task.agentName} · {task.projectName}
          </span>
          <span className="ml-auto shrink-0 tabular-nums" title={created} data-testid="card-created">
            {age(task.createdAt, now)}
          </span>
        </div>
        <div className={`mt-2 flex items-center gap-2 text-xs text-muted ${task.attemptGroup ? "pr-24" : ""}`}>
          <StateBadge state={task.state} />
          <span className="truncate font-mono text-[11px]" title={task.branch ?? undefined}>
            {task.id.slice(0, 8)}
          </span>
          {task.prNumber ? (
            <span className="ml-auto shrink-0 rounded bg-accent/12 px-1.5 text-[11px] text-accent" title="A pull request is open for this task">
              PR #{task.prNumber}
            </span>
          ) : null}
        </div>
      </Link>
      {task.attemptGroup && (
        // Beside the card's link, not inside it: a link may not hold another.
        <Link
          href={`/compare/${task.attemptGroup}`}
          prefetch={false}
          data-testid="card-attempt"
          title="One of several attempts at this prompt: compare them"
          aria-label={`Compare attempt ${task.attemptIndex} of ${task.attempts} of “${title}”`}
          className="absolute right-3 bottom-3 rounded bg-violet-500/12 px-1.5 text-[11px] font-medium text-violet-700 ring-1 ring-violet-500/30 hover:bg-violet-500/20 focus-visible:ring-2 focus-visible:ring-accent focus-visible:outline-none dark:text-violet-300"
        >
          attempt {task.attemptIndex}/{task.attempts}
        </Link>
      )}
      {onArchive && (
        <button
          type="button"
          tabIndex={-1}
          disabled={archiving}
          onClick={() => onArchive(task)}
          aria-label={`${archived ? "Unarchive" : "Archive"} “${title}”`}
          title={archived ? "Unarchive: back to the board" : "Archive: off the board and search; nothing is deleted"}
          data-testid={archived ? "unarchive-card" : "archive-card"}
          className="absolute top-2 right-2 grid size-6 place-items-center rounded-md text-muted opacity-0 ring-line transition group-focus-within:opacity-100 group-hover:opacity-100 hover:bg-raised hover:text-fg hover:ring-1 disabled:opacity-40"
        >
          <svg viewBox="0 0 24 24" className="size-3.5" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden>
            <rect x="3" y="4" width="18" height="5" rx="1" />
            <path d="M5 9v10a1 1 0 0 0 1 1h12a1 1 0 0 0 1-1V9" />
            {archived ? <path d="M12 18v-6m-3 3 3-3 3 3" /> : <path d="M10 13h4" />}
          </svg>
        </button>
      )}
    </li>
  );
}

"use client";

import type { TaskState } from "@wharf/api";
import { canBeCancelled } from "@wharf/api/task-states";
import Link from "next/link";
import { taskTitle } from "~/lib/format";
import type { RouterOutputs } from "~/trpc/types";
import { Button, StateBadge } from "./ui";

type TaskData = RouterOutputs["task"]["get"];
type Linked = TaskData["subtasks"][number];

/** Subtasks (and theirs) the Cancel button would reach: the ones that can still be cancelled. */
export const cancellableSubtasks = (task: TaskData): number => task.subtasks.filter((s) => canBeCancelled(s.state)).length;

function TaskLink({ task }: { task: Linked }) {
  return (
    <Link href={`/tasks/${task.id}`} prefetch={false} className="flex max-w-2xl min-w-0 items-center gap-2 rounded-md px-1.5 py-1 hover:bg-raised focus-visible:ring-2 focus-visible:ring-accent focus-visible:outline-none">
      <StateBadge state={task.state} />
      <span className="min-w-0 truncate">{taskTitle(task.prompt)}</span>
      <span className="ml-auto shrink-0 font-mono text-[11px] text-muted">#{task.id.slice(0, 8)}</span>
    </Link>
  );
}

function Group({ title, items, testId }: { title: string; items: Linked[]; testId: string }) {
  if (items.length === 0) return null;
  return (
    <div data-testid={testId}>
      <h3 className="mb-0.5 text-[11px] font-semibold tracking-wide text-muted uppercase">{title}</h3>
      <ul className="grid gap-0.5">
        {items.map((item) => (
          <li key={item.id}>
            <TaskLink task={item} />
          </li>
        ))}
      </ul>
    </div>
  );
}

/**
 * Where the task sits among others: its parent, its subtasks with their states, what it waits for
 * and what waits for it. A blocked task says why, and offers to start it anyway.
 */
export function TaskTree({ task, state, onStart, starting }: { task: TaskData; state: TaskState; onStart: () => void; starting: boolean }) {
  const empty = !task.parent && task.subtasks.length === 0 && task.dependsOn.length === 0 && task.dependents.length === 0;
  if (empty && state !== "blocked") return null;
  return (
    <section className="grid gap-2 rounded-lg border border-line bg-panel p-3 text-sm" aria-label="Related tasks" data-testid="task-tree">
      {state === "blocked" && (
        <div className="flex flex-wrap items-center gap-3 rounded-md bg-orange-500/10 px-3 py-2 ring-1 ring-orange-500/30" data-testid="blocked-reason">
          <span className="min-w-0 flex-1">{task.blockedReason ?? "Waiting for its dependencies."}</span>
          <Button onClick={onStart} disabled={starting} title="Queue this task now, without waiting for its dependencies">
            {starting ? "Starting…" : "Start anyway"}
          </Button>
        </div>
      )}
      {task.parent && (
        <div data-testid="task-parent">
          <h3 className="mb-0.5 text-[11px] font-semibold tracking-wide text-muted uppercase">Subtask of</h3>
          <TaskLink task={task.parent} />
        </div>
      )}
      <div className="grid gap-2">
        <Group title={`Subtasks (${task.subtasks.length})`} items={task.subtasks} testId="task-subtasks" />
        <Group title="Waits for" items={task.dependsOn} testId="task-depends-on" />
        <Group title="Needed by" items={task.dependents} testId="task-dependents" />
      </div>
    </section>
  );
}

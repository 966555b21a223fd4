import type { TaskState } from "@wharf/api";
import type { RouterOutputs, WharfClient } from "./client.ts";
import { taskEvents } from "./events.ts";
import { isRestingState } from "./states.ts";

export type Task = RouterOutputs["task"]["get"];

/**
 * The task stopped in a state where nothing more happens by itself (it waits for a person, or is
 * final), and it is not one the caller waited for.
 */
export class TaskEndedError extends Error {
  readonly taskId: string;
  readonly state: TaskState;
  readonly task: Task;
  constructor(task: Task, wanted: readonly TaskState[]) {
    super(`Task ${task.id} ended ${task.state}${task.error ? ` (${task.error})` : ""} instead of reaching ${wanted.join(" or ")}.`);
    this.name = "TaskEndedError";
    this.taskId = task.id;
    this.state = task.state;
    this.task = task;
  }
}

/** Waiting was given up: the signal aborted (its reason says why, e.g. a timeout). */
export class WaitAbortedError extends Error {
  readonly taskId: string;
  constructor(taskId: string, reason: unknown) {
    super(`Stopped waiting for task ${taskId}: ${reason instanceof Error ? reason.message : typeof reason === "string" ? reason : "aborted"}`);
    this.name = "WaitAbortedError";
    this.taskId = taskId;
  }
}

/**
 * Resolves with the task (as `task.get` returns it) once it is in one of `states`. Driven by the
 * `task.events` subscription from the task's current seq on — no polling. Rejects with
 * `TaskEndedError` when the task comes to rest (review, completed, or a final state) in a state
 * not in `states`, and with
 * `WaitAbortedError` when `signal` aborts (e.g. `AbortSignal.timeout(60_000)`).
 */
export async function waitForTask(
  client: WharfClient,
  taskId: string,
  states: readonly TaskState[],
  opts: { signal?: AbortSignal } = {},
): Promise<Task> {
  const check = (task: Task): Task | null => {
    if (states.includes(task.state)) return task;
    if (isRestingState(task.state)) throw new TaskEndedError(task, states);
    return null;
  };
  const first = await client.task.get.query({ id: taskId }, { signal: opts.signal });
  const ready = check(first);
  if (ready) return ready;

  const stop = new AbortController();
  const onAbort = () => stop.abort();
  opts.signal?.addEventListener("abort", onAbort);
  try {
    // Events after the snapshot's seq: a state change after the read above is among them.
    for await (const { event } of taskEvents(client, taskId, { afterSeq: first.lastSeq, signal: stop.signal })) {
      if (event.type !== "status") continue;
      if (!states.includes(event.state) && !isRestingState(event.state)) continue;
      const done = check(await client.task.get.query({ id: taskId }, { signal: stop.signal }));
      if (done) return done;
    }
    throw new WaitAbortedError(taskId, opts.signal?.reason);
  } catch (error) {
    if (opts.signal?.aborted && !(error instanceof TaskEndedError)) throw new WaitAbortedError(taskId, opts.signal.reason);
    throw error;
  } finally {
    opts.signal?.removeEventListener("abort", onAbort);
    stop.abort();
  }
}

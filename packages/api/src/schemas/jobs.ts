import { z } from "zod";

/**
 * The pg-boss queue of task jobs sent before tasks were routed by agent; runners still drain it.
 * New jobs go to their agent's queue (taskQueueFor).
 */
export const TASK_QUEUE = "wharf-task";

/**
 * The queue of one agent's task jobs: a runner works only the queues of the agents its host has,
 * so a task goes only to a runner that can start its agent.
 */
export function taskQueueFor(agentId: string): string {
  return `${TASK_QUEUE}.${agentId}`;
}

/**
 * One runner's own queue: follow-ups of a task whose agent session is parked there (each runner
 * works its own queue besides its agents').
 */
export function runnerQueueFor(runnerId: string): string {
  return `wharf-runner.${runnerId}`;
}

/**
 * A job asks a runner to work on a task: the first run, or a follow-up prompt (turn > 0) for a
 * task in review. The task row is the truth; the job only says "look at this task now".
 */
export const taskJobSchema = z.object({
  taskId: z.string().uuid(),
  turn: z.number().int().nonnegative(),
});
export type TaskJob = z.infer<typeof taskJobSchema>;

/** NOTIFY channels. Payloads are JSON and parsed with the schemas below. */
export { CHANNEL_CONTROL, CHANNEL_EVENTS, CHANNEL_RUNNERS } from "@wharf/db/channels";

/**
 * After a batch of events is committed: the task and the highest seq written. Also sent without new
 * events when a task changes outside them (archived or unarchived), so boards refetch.
 */
export const eventsNotifySchema = z.object({
  taskId: z.string().uuid(),
  /** The task's last seq; 0 for a task with no events (only seeded test data has none). */
  seq: z.number().int().nonnegative(),
  /** Set when the task's state changed in the batch, so boards can refresh one card. */
  state: z.string().optional(),
});
export type EventsNotify = z.infer<typeof eventsNotifySchema>;

/**
 * Terminal input carried by one control message, in characters: a NOTIFY payload is at most
 * 8000 bytes, and JSON may spell a control character in 6 (`\u001b`).
 */
export const TERMINAL_INPUT_MAX = 1024;
export const terminalSizeSchema = z.object({
  cols: z.number().int().min(2).max(500),
  rows: z.number().int().min(1).max(200),
});

/** Control messages from the API to runners. */
export const controlNotifySchema = z.discriminatedUnion("action", [
  z.object({ action: z.literal("cancel"), taskId: z.string().uuid() }),
  z.object({
    action: z.literal("permission"),
    taskId: z.string().uuid(),
    requestId: z.string().uuid(),
  }),
  z.object({ action: z.literal("terminal_input"), taskId: z.string().uuid(), data: z.string().min(1).max(TERMINAL_INPUT_MAX) }),
  z.object({ action: z.literal("terminal_resize"), taskId: z.string().uuid(), ...terminalSizeSchema.shape }),
  /** Workspace actions, for the runner that owns the task's worktree (task.runner_id). */
  z.object({ action: z.literal("run_setup"), taskId: z.string().uuid() }),
  z.object({ action: z.literal("start_service"), taskId: z.string().uuid(), name: z.string().min(1).max(40) }),
  z.object({ action: z.literal("stop_service"), taskId: z.string().uuid(), name: z.string().min(1).max(40) }),
  /**
   * The task was applied or discarded, its worktree goes: the runner that holds it stops its
   * parked agent, then its services, and when `remove` (the project has a teardown script) runs
   * that script and removes the worktree and branch itself, in that order. One message, sent in
   * the transaction of the transition: nothing of it can arrive before the state is visible.
   */
  z.object({ action: z.literal("release"), taskId: z.string().uuid(), remove: z.boolean() }),
]);
export type ControlNotify = z.infer<typeof controlNotifySchema>;

/**
 * A fleet-wide cap on running tasks, as an agent or a project takes it: at most this many at once
 * across every runner; null: no cap (beyond each runner's concurrency); unset keeps the stored value.
 */
export const maxRunningInput = z
  .number()
  .int("maxRunning must be a whole number of tasks, e.g. 2.")
  .min(1, "maxRunning must be at least 1; send null for no cap.")
  .max(1000)
  .nullable()
  .optional();

import type pg from "pg";
import { z } from "zod";
import { taskStateSchema, type TaskState } from "../schemas";
import { LifecycleNotFoundError, TransitionRefusedError } from "./errors";

const lockedTaskSchema = z.object({
  id: z.string(),
  state: taskStateSchema,
  jobId: z.string().nullable(),
  agentId: z.string(),
  /** The runner that last ran it (holds its worktree and, while parked, its agent's session). */
  runnerId: z.string().nullable(),
  turn: z.number().int(),
  cancelRequested: z.boolean(),
});
export type LockedTask = z.infer<typeof lockedTaskSchema>;

/** Takes the task's row lock for the rest of the caller's transaction and returns its state. */
export async function lockTask(client: pg.PoolClient, taskId: string): Promise<LockedTask> {
  const { rows } = await client.query(
    `select id, state::text as state, job_id as "jobId", agent_id as "agentId", runner_id as "runnerId", turn, cancel_requested as "cancelRequested"
     from task where id = $1 for update`,
    [taskId],
  );
  const row = z.array(lockedTaskSchema).parse(rows)[0];
  if (!row) throw new LifecycleNotFoundError("Task", taskId);
  return row;
}

/** Throws TransitionRefusedError unless the locked task is in one of `allowed`. */
export function requireState(
  task: LockedTask,
  transition: string,
  allowed: readonly TaskState[],
  message: (state: TaskState) => string,
): void {
  if (!(allowed as readonly string[]).includes(task.state)) {
    throw new TransitionRefusedError("task", task.id, transition, task.state, allowed, message(task.state));
  }
}

import type { PgBoss } from "pg-boss";
import type pg from "pg";
import { appendEvents } from "@wharf/db/pg";
import type { TaskEvent, TaskJob } from "./schemas";
import { ensureRunnerQueue, ensureTaskQueue } from "./task-queue";

/**
 * Sends the task job to its agent's queue (or, with `runnerId`, to that runner's own queue) through
 * the caller's transaction, so the task row and its job commit together. The job's group is the agent: runners cap the agent's running tasks
 * fleet-wide with pg-boss's groupConcurrency.
 */
export async function sendTaskJob(boss: PgBoss, client: pg.PoolClient, job: TaskJob, agentId: string, runnerId: string | null = null): Promise<string> {
  const queue = runnerId === null ? await ensureTaskQueue(boss, agentId) : await ensureRunnerQueue(boss, runnerId);
  const id = await boss.send(queue, job, {
    group: { id: agentId },
    db: { executeSql: (text: string, values?: unknown[]) => client.query(text, values) },
  });
  if (!id) throw new Error(`pg-boss did not accept the job for task ${job.taskId}`);
  return id;
}

/** Runs fn in one transaction on a pooled client. */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const result = await fn(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch((rollbackError: unknown) => {
      console.error("[transaction] rollback failed", rollbackError);
    });
    throw error;
  } finally {
    client.release();
  }
}

/** Appends validated events inside the caller's transaction. */
export function appendTaskEvents(client: pg.PoolClient, taskId: string, events: TaskEvent[], state?: string) {
  return appendEvents(client, taskId, events, state ? { state } : undefined);
}

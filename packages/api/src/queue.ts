import type { PgBoss } from "pg-boss";
import type pg from "pg";
import { appendEvents } from "@wharf/db/pg";
import { TASK_QUEUE, type TaskEvent, type TaskJob } from "./schemas";

/** Sends the task job through the caller's transaction, so the task row and its job commit together. */
export async function sendTaskJob(boss: PgBoss, client: pg.PoolClient, job: TaskJob): Promise<string> {
  const id = await boss.send(TASK_QUEUE, job, {
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

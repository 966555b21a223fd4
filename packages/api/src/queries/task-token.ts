import type { Queryable } from "@wharf/db/pg";
import { z } from "zod";
import { taskStateSchema } from "../schemas";

/*
 * Task-scoped tokens (`task_token`): only their SHA-256 is stored. See ../auth/task-token.ts.
 */

/**
 * Stores a new token's hash for the task and revokes the task's earlier ones, in one statement: a
 * task has one agent session at a time, and only that session's MCP server holds a working token.
 */
export async function insertTaskToken(db: Queryable, taskId: string, hash: string): Promise<void> {
  await db.query(
    `with revoked as (update task_token set revoked_at = now() where task_id = $1 and revoked_at is null)
     insert into task_token (hash, task_id) values ($2, $1)`,
    [taskId, hash],
  );
}

const tokenTaskSchema = z.object({
  taskId: z.string(),
  projectId: z.string(),
  agentId: z.string(),
  state: taskStateSchema,
  revoked: z.boolean(),
});
export type TokenTask = z.infer<typeof tokenTaskSchema>;

/** The task a token hash belongs to, with its state and whether the token was revoked; null for an unknown hash. */
export async function findTokenTask(db: Queryable, hash: string): Promise<TokenTask | null> {
  const { rows } = await db.query(
    `select t.id as "taskId", t.project_id as "projectId", t.agent_id as "agentId", t.state::text as state, k.revoked_at is not null as revoked
     from task_token k join task t on t.id = k.task_id where k.hash = $1`,
    [hash],
  );
  return z.array(tokenTaskSchema).parse(rows)[0] ?? null;
}

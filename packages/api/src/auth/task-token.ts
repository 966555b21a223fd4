import { createHash, randomBytes } from "node:crypto";
import type { Queryable } from "@wharf/db/pg";
import { findTokenTask, insertTaskToken } from "../queries/task-token";
import { isFinalTaskState, type TaskState } from "../schemas/task-states";

/*
 * Tokens scoped to one task, for the agent's copy of Wharf's MCP server (`wharf mcp`). The runner
 * issues one when it opens the task's agent session; the value travels only in that session/new
 * request (the MCP server's env), and the database keeps its SHA-256 alone. A token works while it
 * is the task's newest and the task is not in a final state: the state is checked at every use,
 * so the transition that ends the task ends its token in the same commit.
 */

/** Every task token starts with this, so a request carrying one is told what it may call. */
export const TASK_TOKEN_PREFIX = "wharf_task_";

export const isTaskToken = (value: string | null | undefined): value is string => Boolean(value?.startsWith(TASK_TOKEN_PREFIX));

const hashOf = (token: string) => createHash("sha256").update(token).digest("hex");

/** Makes a token for the task (revoking its earlier ones) and returns the value; only its hash is stored. */
export async function issueTaskToken(db: Queryable, taskId: string): Promise<string> {
  const token = `${TASK_TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
  await insertTaskToken(db, taskId, hashOf(token));
  return token;
}

/** The task a working token acts for. */
export type TaskPrincipal = { kind: "task"; taskId: string; projectId: string; agentId: string; state: TaskState };

/** Why a task token does not work. */
export class TaskTokenError extends Error {
  override readonly name = "TaskTokenError";
}

/** The principal of a task token, or TaskTokenError saying why it does not work (unknown, replaced, task ended). */
export async function resolveTaskToken(db: Queryable, token: string): Promise<TaskPrincipal> {
  const found = await findTokenTask(db, hashOf(token));
  if (!found) throw new TaskTokenError("This task token is not known to Wharf.");
  if (found.revoked) throw new TaskTokenError(`This task token was replaced by a newer session's token for task ${found.taskId}.`);
  if (isFinalTaskState(found.state)) {
    throw new TaskTokenError(`Task ${found.taskId} has ended (${found.state}); the token scoped to it no longer works.`);
  }
  return { kind: "task", taskId: found.taskId, projectId: found.projectId, agentId: found.agentId, state: found.state };
}

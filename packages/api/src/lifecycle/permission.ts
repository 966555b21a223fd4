import type pg from "pg";
import { z } from "zod";
import { appendTaskEvents } from "../queue";
import { permissionOptionSchema, type PermissionOption, type TaskEvent } from "../schemas";
import { LifecycleNotFoundError, TransitionRefusedError, UnknownPermissionOptionError } from "./errors";
import { notifyControl } from "./notify-control";
import { lockTask, requireState } from "./task-row";

/*
 * Permission requests and the task states they move: running → needs_input when an agent asks,
 * needs_input → running once nothing is pending; a request goes pending → answered (a person) or
 * cancelled / expired (the runner).
 */

export type PermissionAskRow = {
  requestId: string;
  taskId: string;
  toolCallId: string;
  title: string | null;
  toolKind: string;
  options: PermissionOption[];
  toolCall: unknown;
};

const insertSql = `insert into permission_request (id, task_id, tool_call_id, title, tool_kind, options, tool_call, state, chosen_option, answered_by, answered_at)
  values ($1, $2, $3, $4, $5, $6, $7, $8::"PermissionState", $9, $10, case when $9::text is null then null else now() end)`;

function insertValues(ask: PermissionAskRow, state: "pending" | "answered", optionId: string | null, answeredBy: string | null) {
  return [ask.requestId, ask.taskId, ask.toolCallId, ask.title, ask.toolKind, JSON.stringify(ask.options), JSON.stringify(ask.toolCall), state, optionId, answeredBy];
}

/** running | needs_input → needs_input: stores a pending request and appends `requested`. */
export async function openPermission(client: pg.PoolClient, ask: PermissionAskRow, requested: TaskEvent): Promise<void> {
  const task = await lockTask(client, ask.taskId);
  requireState(task, "needs input", ["running", "needs_input"], (state) => `Task ${task.id} is ${state}; only a running task can ask for permission.`);
  await client.query(insertSql, insertValues(ask, "pending", null, null));
  await client.query(`update task set state = 'needs_input', updated_at = now() where id = $1`, [ask.taskId]);
  await appendTaskEvents(client, ask.taskId, [requested, { type: "status", state: "needs_input", reason: ask.title ?? "permission requested" }], "needs_input");
}

/** A request answered at once by a remembered allow_always / reject_always: the task does not wait. */
export async function recordRememberedPermission(
  client: pg.PoolClient,
  ask: PermissionAskRow,
  option: PermissionOption,
  requested: TaskEvent,
): Promise<void> {
  await client.query(insertSql, insertValues(ask, "answered", option.optionId, "remembered"));
  await appendTaskEvents(client, ask.taskId, [
    requested,
    { type: "permission", phase: "resolved", requestId: ask.requestId, toolCallId: ask.toolCallId, outcome: "selected", optionId: option.optionId, optionKind: option.kind, answeredBy: "remembered" },
  ]);
}

/**
 * needs_input → running once no request of the task is pending. In any other state there is
 * nothing to resume (still another request open, or the turn already ended): returns false.
 */
export async function resumeTask(client: pg.PoolClient, taskId: string): Promise<boolean> {
  const task = await lockTask(client, taskId);
  if (task.state !== "needs_input") return false;
  const { rows } = await client.query(`select count(*) as pending from permission_request where task_id = $1 and state = 'pending'`, [taskId]);
  const { pending } = z.array(z.object({ pending: z.coerce.number() })).parse(rows)[0]!;
  if (pending > 0) return false;
  await client.query(`update task set state = 'running', updated_at = now() where id = $1`, [taskId]);
  await appendTaskEvents(client, taskId, [{ type: "status", state: "running", reason: "permission answered" }], "running");
  return true;
}

const requestRowSchema = z.object({
  taskId: z.string(),
  toolCallId: z.string(),
  options: z.array(permissionOptionSchema),
  state: z.string(),
});

/** pending → answered, by a person: the first answer wins, later ones are refused. */
export async function answerPermission(
  client: pg.PoolClient,
  input: { requestId: string; optionId: string; actor: string },
): Promise<{ taskId: string; option: PermissionOption }> {
  const { rows } = await client.query(
    `select task_id as "taskId", tool_call_id as "toolCallId", options, state::text as state from permission_request where id = $1 for update`,
    [input.requestId],
  );
  const request = z.array(requestRowSchema).parse(rows)[0];
  if (!request) throw new LifecycleNotFoundError("Permission request", input.requestId);
  if (request.state !== "pending") {
    throw new TransitionRefusedError("permission request", input.requestId, "answer", request.state, ["pending"], `Permission request ${input.requestId} was already ${request.state}.`);
  }
  const option = request.options.find((o) => o.optionId === input.optionId);
  if (!option) throw new UnknownPermissionOptionError(input.requestId, input.optionId, request.options.map((o) => o.optionId));
  await client.query(
    `update permission_request set state = 'answered', chosen_option = $2, answered_by = $3, answered_at = now() where id = $1`,
    [input.requestId, option.optionId, input.actor],
  );
  await appendTaskEvents(client, request.taskId, [
    { type: "permission", phase: "resolved", requestId: input.requestId, toolCallId: request.toolCallId, outcome: "selected", optionId: option.optionId, optionKind: option.kind, answeredBy: input.actor },
  ]);
  await notifyControl(client, { action: "permission", taskId: request.taskId, requestId: input.requestId });
  return { taskId: request.taskId, option };
}

/** pending → cancelled | expired, by the runner. Returns false when the request was no longer pending. */
export async function closePermission(
  client: pg.PoolClient,
  input: { taskId: string; requestId: string; outcome: "cancelled" | "expired"; toolCallId?: string | null },
): Promise<boolean> {
  const { rows } = await client.query(
    `update permission_request set state = $2::"PermissionState", answered_at = now() where id = $1 and state = 'pending' returning tool_call_id as "toolCallId"`,
    [input.requestId, input.outcome],
  );
  const row = z.array(z.object({ toolCallId: z.string() })).parse(rows)[0];
  if (!row) return false;
  await appendTaskEvents(client, input.taskId, [
    { type: "permission", phase: "resolved", requestId: input.requestId, toolCallId: input.toolCallId ?? row.toolCallId, outcome: input.outcome },
  ]);
  return true;
}

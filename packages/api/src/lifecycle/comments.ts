import type pg from "pg";
import type { PgBoss } from "pg-boss";
import { z } from "zod";
import { appendTaskEvents } from "../queue";
import { followUpTaskStates } from "../schemas";
import { TransitionRefusedError } from "./errors";
import { followUp } from "./task";
import { lockTask, requireState } from "./task-row";

const openCommentSchema = z.object({
  id: z.string(),
  path: z.string(),
  startLine: z.number().int(),
  endLine: z.number().int(),
  side: z.enum(["old", "new"]),
  body: z.string(),
});
export type OpenComment = z.infer<typeof openCommentSchema>;

/**
 * open → sent for every open comment of a task, as one follow-up prompt in the same session
 * (`followUp`: review | completed → queued). `buildPrompt` turns the comments into the prompt
 * while the row lock is held; comments, prompt and job commit together or not at all.
 */
export async function sendComments(
  client: pg.PoolClient,
  boss: PgBoss,
  taskId: string,
  buildPrompt: (comments: OpenComment[]) => Promise<string>,
): Promise<{ turn: number; sent: number; prompt: string }> {
  const task = await lockTask(client, taskId);
  requireState(task, "send comments", followUpTaskStates, (state) => `Task ${taskId} is ${state}; comments go to the agent when its turn is over (review or completed).`);
  const { rows } = await client.query(
    `select id, path, start_line as "startLine", end_line as "endLine", side::text as side, body
     from review_comment where task_id = $1 and state = 'open' order by created_at, id for update`,
    [taskId],
  );
  const comments = z.array(openCommentSchema).parse(rows);
  if (comments.length === 0) {
    throw new TransitionRefusedError("task", taskId, "send comments", task.state, followUpTaskStates, `Task ${taskId} has no open comments to send (they may have been sent from another tab).`);
  }
  const prompt = await buildPrompt(comments);
  const { turn } = await followUp(client, boss, { taskId, prompt });
  await client.query(`update review_comment set state = 'sent', sent_in_turn = $2, updated_at = now() where id = any($1::uuid[])`, [
    comments.map((comment) => comment.id),
    turn,
  ]);
  await appendTaskEvents(client, taskId, [{ type: "review", subject: "comments" }]);
  return { turn, sent: comments.length, prompt };
}

import type { Queryable } from "@wharf/db/pg";
import { z } from "zod";

/*
 * Review comments and viewed files. One SQL statement each; rows are parsed, never cast.
 * A comment's state (open → sent) is written only by the lifecycle (`sendComments`).
 */

const commentRowSchema = z.object({
  id: z.string(),
  taskId: z.string(),
  path: z.string(),
  startLine: z.number().int(),
  endLine: z.number().int(),
  side: z.enum(["old", "new"]),
  body: z.string(),
  anchor: z.array(z.string()),
  headCommit: z.string(),
  state: z.enum(["open", "sent"]),
  sentInTurn: z.number().int().nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type CommentRow = z.infer<typeof commentRowSchema>;

const commentColumns = `c.id, c.task_id as "taskId", c.path, c.start_line as "startLine", c.end_line as "endLine", c.side::text as side,
  c.body, coalesce(c.anchor, '{}') as anchor, c.head_commit as "headCommit", c.state::text as state, c.sent_in_turn as "sentInTurn",
  c.created_at as "createdAt", c.updated_at as "updatedAt"`;

export async function insertComment(
  db: Queryable,
  comment: { taskId: string; path: string; startLine: number; endLine: number; side: "old" | "new"; body: string; anchor: string[]; headCommit: string },
): Promise<CommentRow> {
  const { rows } = await db.query(
    `insert into review_comment as c (id, task_id, path, start_line, end_line, side, body, anchor, head_commit, updated_at)
     values (gen_random_uuid(), $1, $2, $3, $4, $5::"CommentSide", $6, $7, $8, now())
     returning ${commentColumns}`,
    [comment.taskId, comment.path, comment.startLine, comment.endLine, comment.side, comment.body, comment.anchor, comment.headCommit],
  );
  return z.array(commentRowSchema).length(1).parse(rows)[0]!;
}

/** A task's comments in the order they were written. */
export async function listComments(db: Queryable, taskId: string): Promise<CommentRow[]> {
  const { rows } = await db.query(`select ${commentColumns} from review_comment c where c.task_id = $1 order by c.created_at, c.id`, [taskId]);
  return z.array(commentRowSchema).parse(rows);
}

export async function findComment(db: Queryable, id: string): Promise<CommentRow | null> {
  const { rows } = await db.query(`select ${commentColumns} from review_comment c where c.id = $1`, [id]);
  return z.array(commentRowSchema).parse(rows)[0] ?? null;
}

/** Changes an open comment's text; null when there is no such open comment. */
export async function updateCommentBody(db: Queryable, id: string, body: string): Promise<CommentRow | null> {
  const { rows } = await db.query(
    `update review_comment as c set body = $2, updated_at = now() where c.id = $1 and c.state = 'open' returning ${commentColumns}`,
    [id, body],
  );
  return z.array(commentRowSchema).parse(rows)[0] ?? null;
}

/** Deletes a comment (open or sent); its task id, or null when there was none. */
export async function deleteComment(db: Queryable, id: string): Promise<string | null> {
  const { rows } = await db.query(`delete from review_comment c where c.id = $1 returning c.task_id as "taskId"`, [id]);
  return z.array(z.object({ taskId: z.string() })).parse(rows)[0]?.taskId ?? null;
}

const viewedRowSchema = z.object({ path: z.string(), blob: z.string(), viewedAt: z.date() });
export type ViewedRow = z.infer<typeof viewedRowSchema>;

/** The files of a task marked viewed, with the blob each had then. */
export async function listViewed(db: Queryable, taskId: string): Promise<ViewedRow[]> {
  const { rows } = await db.query(`select v.path, v.blob, v.viewed_at as "viewedAt" from viewed_file v where v.task_id = $1 order by v.path`, [taskId]);
  return z.array(viewedRowSchema).parse(rows);
}

export async function markViewed(db: Queryable, taskId: string, path: string, blob: string): Promise<void> {
  await db.query(
    `insert into viewed_file (task_id, path, blob) values ($1, $2, $3)
     on conflict (task_id, path) do update set blob = excluded.blob, viewed_at = now()`,
    [taskId, path, blob],
  );
}

export async function unmarkViewed(db: Queryable, taskId: string, path: string): Promise<void> {
  await db.query(`delete from viewed_file where task_id = $1 and path = $2`, [taskId, path]);
}

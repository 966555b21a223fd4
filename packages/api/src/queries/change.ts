import type { Queryable } from "@wharf/db/pg";
import { z } from "zod";

/*
 * Reads of changes for the API. One SQL statement each; rows are parsed, never cast.
 */

const changeStateSchema = z.enum(["pending", "applied", "discarded", "conflict"]);

const changeRowSchema = z.object({
  id: z.string(),
  taskId: z.string(),
  branch: z.string(),
  baseCommit: z.string(),
  headCommit: z.string(),
  files: z.unknown(),
  additions: z.number().int(),
  deletions: z.number().int(),
  diff: z.string(),
  state: changeStateSchema,
  message: z.string().nullable(),
  appliedCommit: z.string().nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type ChangeRow = z.infer<typeof changeRowSchema>;

export async function getChangeByTask(db: Queryable, taskId: string): Promise<ChangeRow | null> {
  const { rows } = await db.query(
    `select c.id, c.task_id as "taskId", c.branch, c.base_commit as "baseCommit", c.head_commit as "headCommit", c.files,
            c.additions, c.deletions, c.diff, c.state::text as state, c.message, c.applied_commit as "appliedCommit",
            c.created_at as "createdAt", c.updated_at as "updatedAt"
     from change c where c.task_id = $1`,
    [taskId],
  );
  return z.array(changeRowSchema).parse(rows)[0] ?? null;
}

const changeSummarySchema = changeRowSchema.pick({ id: true, state: true, additions: true, deletions: true, files: true, message: true });
export type ChangeSummary = z.infer<typeof changeSummarySchema>;

/** The task's change without its diff, for task.get. */
export async function getChangeSummary(db: Queryable, taskId: string): Promise<ChangeSummary | null> {
  const { rows } = await db.query(
    `select c.id, c.state::text as state, c.additions, c.deletions, c.files, c.message from change c where c.task_id = $1`,
    [taskId],
  );
  return z.array(changeSummarySchema).parse(rows)[0] ?? null;
}

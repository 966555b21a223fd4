import type { Queryable } from "@wharf/db/pg";
import { z } from "zod";
import { changeFileSchema, taskStateSchema } from "../schemas";

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

const reviewContextSchema = z.object({
  taskId: z.string(),
  state: taskStateSchema,
  prompt: z.string(),
  summary: z.string().nullable(),
  projectId: z.string(),
  repoPath: z.string(),
  baseBranch: z.string(),
  /** The runner's own clone the task worked in; null: the project's repository (nothing to import). */
  workRepo: z.string().nullable(),
  cloneUrl: z.string().nullable(),
  change: z
    .object({
      id: z.string(),
      branch: z.string(),
      baseCommit: z.string(),
      headCommit: z.string(),
      files: z.array(changeFileSchema),
      diff: z.string(),
      state: changeStateSchema,
    })
    .nullable(),
});
export type ReviewContext = z.infer<typeof reviewContextSchema>;

/** A task with its project's repository and its change (diff included), for review reads. Null: no such task. */
export async function getReviewContext(db: Queryable, taskId: string): Promise<ReviewContext | null> {
  const { rows } = await db.query(
    `select t.id as "taskId", t.state::text as state, t.prompt, t.summary, p.id as "projectId", p.repo_path as "repoPath",
            p.base_branch as "baseBranch", t.work_repo as "workRepo", p.clone_url as "cloneUrl",
            case when c.id is null then null
                 else json_build_object('id', c.id, 'branch', c.branch, 'baseCommit', c.base_commit, 'headCommit', c.head_commit,
                                        'files', c.files, 'diff', c.diff, 'state', c.state) end as change
     from task t join project p on p.id = t.project_id left join change c on c.task_id = t.id
     where t.id = $1`,
    [taskId],
  );
  return z.array(reviewContextSchema).parse(rows)[0] ?? null;
}

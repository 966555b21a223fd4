import type { Queryable } from "@wharf/db/pg";
import { z } from "zod";
import { taskStateSchema, type TaskState } from "../schemas";

/*
 * Reads of tasks for the API. One SQL statement each; rows are parsed, never cast.
 */

const nullableBigint = z.coerce.bigint().nullable();

const taskRowSchema = z.object({
  id: z.string(),
  projectId: z.string(),
  agentId: z.string(),
  prompt: z.string(),
  model: z.string().nullable(),
  mode: z.string().nullable(),
  state: taskStateSchema,
  attempt: z.number().int(),
  turn: z.number().int(),
  runnerId: z.string().nullable(),
  branch: z.string().nullable(),
  baseCommit: z.string().nullable(),
  worktreePath: z.string().nullable(),
  sessionId: z.string().nullable(),
  lastSeq: z.number().int(),
  inputTokens: nullableBigint,
  outputTokens: nullableBigint,
  costAmount: z.number().nullable(),
  costCurrency: z.string().nullable(),
  summary: z.string().nullable(),
  error: z.string().nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
  startedAt: z.date().nullable(),
  finishedAt: z.date().nullable(),
  archivedAt: z.date().nullable(),
  pushedBranch: z.string().nullable(),
  prUrl: z.string().nullable(),
  prNumber: z.number().int().nullable(),
  parentId: z.string().nullable(),
  blockedReason: z.string().nullable(),
  /** Best-of-N: the attempt group, this task's place in it (from 1), and how many attempts it has. */
  attemptGroup: z.string().nullable(),
  attemptIndex: z.number().int().nullable(),
  attempts: z.number().int(),
  project: z.object({ id: z.string(), name: z.string() }),
  agent: z.object({ id: z.string(), name: z.string(), transport: z.enum(["acp", "pty", "native"]) }),
});
export type TaskRow = z.infer<typeof taskRowSchema>;

const taskColumns = `t.id, t.project_id as "projectId", t.agent_id as "agentId", t.prompt, t.model, t.mode, t.state::text as state,
  t.attempt, t.turn, t.runner_id as "runnerId", t.branch, t.base_commit as "baseCommit", t.worktree_path as "worktreePath",
  t.session_id as "sessionId", t.last_seq as "lastSeq", t.input_tokens as "inputTokens", t.output_tokens as "outputTokens",
  t.cost_amount as "costAmount", t.cost_currency as "costCurrency", t.summary, t.error, t.created_at as "createdAt",
  t.updated_at as "updatedAt", t.started_at as "startedAt", t.finished_at as "finishedAt", t.archived_at as "archivedAt",
  t.pushed_branch as "pushedBranch", t.pr_url as "prUrl", t.pr_number as "prNumber",
  t.parent_id as "parentId", t.blocked_reason as "blockedReason",
  t.attempt_group::text as "attemptGroup", t.attempt_index as "attemptIndex",
  (select count(*)::int from task g where g.attempt_group = t.attempt_group) as "attempts",
  json_build_object('id', p.id, 'name', p.name) as project,
  json_build_object('id', a.id, 'name', a.name, 'transport', a.transport) as agent`;

/** Newest first; `cursor` is the id of the last task of the previous page. */
export async function listTasks(
  db: Queryable,
  filter: { projectId?: string | undefined; agentId?: string | undefined; states?: TaskState[] | undefined; cursor?: string | undefined; limit: number },
): Promise<TaskRow[]> {
  const { rows } = await db.query(
    `select ${taskColumns}
     from task t join project p on p.id = t.project_id join agent a on a.id = t.agent_id
     where ($1::uuid is null or t.project_id = $1)
       and ($2::text is null or t.agent_id = $2)
       and ($3::text[] is null or t.state::text = any($3))
       and ($4::uuid is null or (t.created_at, t.id) < (select c.created_at, c.id from task c where c.id = $4))
       -- archived tasks are off the list, as on the board; task.get still reads them
       and t.archived_at is null
     order by t.created_at desc, t.id desc
     limit $5`,
    [filter.projectId ?? null, filter.agentId ?? null, filter.states ?? null, filter.cursor ?? null, filter.limit],
  );
  return z.array(taskRowSchema).parse(rows);
}

export async function getTask(db: Queryable, id: string): Promise<TaskRow | null> {
  const { rows } = await db.query(
    `select ${taskColumns}
     from task t join project p on p.id = t.project_id join agent a on a.id = t.agent_id
     where t.id = $1`,
    [id],
  );
  return z.array(taskRowSchema).parse(rows)[0] ?? null;
}

/** The task's highest event seq, or null when there is no such task. */
export async function getTaskLastSeq(db: Queryable, id: string): Promise<number | null> {
  const { rows } = await db.query(`select t.last_seq as "lastSeq" from task t where t.id = $1`, [id]);
  return z.array(z.object({ lastSeq: z.number().int() })).parse(rows)[0]?.lastSeq ?? null;
}

/** Whether the project and the agent a new task names exist. */
export async function findTaskReferences(db: Queryable, projectId: string, agentId: string): Promise<{ project: boolean; agent: boolean }> {
  const { rows } = await db.query(
    `select exists(select 1 from project where id = $1) as project, exists(select 1 from agent where id = $2) as agent`,
    [projectId, agentId],
  );
  return z.array(z.object({ project: z.boolean(), agent: z.boolean() })).parse(rows)[0]!;
}

const linkedTaskSchema = z.object({ id: z.string(), prompt: z.string(), state: taskStateSchema });
const treeSchema = z.object({
  parent: linkedTaskSchema.nullable(),
  subtasks: z.array(linkedTaskSchema),
  dependsOn: z.array(linkedTaskSchema),
  dependents: z.array(linkedTaskSchema),
});
export type TaskTree = z.infer<typeof treeSchema>;

/** The task's place in its tree: parent, subtasks, what it depends on and what depends on it (prompts cut to a title). */
export async function getTaskTree(db: Queryable, id: string): Promise<TaskTree> {
  const linked = (alias: string) => `json_build_object('id', ${alias}.id, 'prompt', left(${alias}.prompt, 200), 'state', ${alias}.state)`;
  const { rows } = await db.query(
    `select
       (select ${linked("p")} from task c join task p on p.id = c.parent_id where c.id = $1) as parent,
       coalesce((select json_agg(${linked("s")} order by s.created_at, s.id) from task s where s.parent_id = $1), '[]') as subtasks,
       coalesce((select json_agg(${linked("x")} order by x.created_at, x.id) from task_dependency d join task x on x.id = d.depends_on_id where d.task_id = $1), '[]') as "dependsOn",
       coalesce((select json_agg(${linked("x")} order by x.created_at, x.id) from task_dependency d join task x on x.id = d.task_id where d.depends_on_id = $1), '[]') as dependents`,
    [id],
  );
  return treeSchema.parse(rows[0]);
}

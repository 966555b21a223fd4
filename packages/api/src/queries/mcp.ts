import type { Queryable } from "@wharf/db/pg";
import { z } from "zod";
import { taskStateSchema } from "../schemas";

/*
 * Reads for Wharf's MCP server (the `mcp` router): a task as an agent sees its subtasks. One SQL
 * statement each; rows are parsed, never cast.
 */

const linkSchema = z.object({ id: z.string(), state: taskStateSchema });

const agentTaskSchema = z.object({
  id: z.string(),
  parentId: z.string().nullable(),
  /** The prompt's first line, cut to 200 characters. */
  title: z.string(),
  agentId: z.string(),
  state: taskStateSchema,
  blockedReason: z.string().nullable(),
  summary: z.string().nullable(),
  error: z.string().nullable(),
  createdAt: z.date(),
  finishedAt: z.date().nullable(),
  /** Files and lines the task's change touches; null before its first turn ends. */
  change: z
    .object({ state: z.string(), files: z.number().int(), additions: z.number().int(), deletions: z.number().int() })
    .nullable(),
  dependsOn: z.array(linkSchema),
});
export type AgentTaskView = z.infer<typeof agentTaskSchema>;

const agentTaskColumns = `t.id, t.parent_id as "parentId", left(split_part(t.prompt, E'\\n', 1), 200) as title, t.agent_id as "agentId",
  t.state::text as state, t.blocked_reason as "blockedReason", t.summary, t.error, t.created_at as "createdAt", t.finished_at as "finishedAt",
  (select json_build_object('state', c.state, 'files', jsonb_array_length(c.files), 'additions', c.additions, 'deletions', c.deletions)
     from change c where c.task_id = t.id) as change,
  coalesce((select json_agg(json_build_object('id', x.id, 'state', x.state) order by x.created_at, x.id)
     from task_dependency d join task x on x.id = d.depends_on_id where d.task_id = t.id), '[]') as "dependsOn"`;

/** One task as an agent sees it; null when there is no such task. */
export async function getAgentTask(db: Queryable, id: string): Promise<AgentTaskView | null> {
  const { rows } = await db.query(`select ${agentTaskColumns} from task t where t.id = $1`, [id]);
  return z.array(agentTaskSchema).parse(rows)[0] ?? null;
}

/** The subtasks of a task, oldest first. */
export async function listAgentSubtasks(db: Queryable, parentId: string): Promise<AgentTaskView[]> {
  const { rows } = await db.query(`select ${agentTaskColumns} from task t where t.parent_id = $1 order by t.created_at, t.id limit 500`, [parentId]);
  return z.array(agentTaskSchema).parse(rows);
}

/** Which of `ids` are not subtasks of `parentId`. */
export async function notSubtasksOf(db: Queryable, parentId: string, ids: string[]): Promise<string[]> {
  const { rows } = await db.query(
    `select i.id from unnest($2::uuid[]) as i(id) where not exists (select 1 from task s where s.id = i.id and s.parent_id = $1)`,
    [parentId, ids],
  );
  return z.array(z.object({ id: z.string() })).parse(rows).map((r) => r.id);
}

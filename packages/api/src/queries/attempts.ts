import type { Queryable } from "@wharf/db/pg";
import { z } from "zod";
import { changeFileSchema, taskStateSchema, usageEventSchema } from "../schemas";

/*
 * Best-of-N reads: the sibling attempts of one group, side by side. One SQL statement; rows parsed.
 */

const attemptRowSchema = z.object({
  id: z.string(),
  projectId: z.string(),
  prompt: z.string(),
  attemptIndex: z.number().int(),
  agent: z.object({ id: z.string(), name: z.string() }),
  model: z.string().nullable(),
  mode: z.string().nullable(),
  state: taskStateSchema,
  summary: z.string().nullable(),
  error: z.string().nullable(),
  createdAt: z.date(),
  startedAt: z.date().nullable(),
  /** When its last turn ended (in review, completed, failed or cancelled): its running time ends there, not at a later apply or discard. */
  ranUntil: z.date().nullable(),
  finishedAt: z.date().nullable(),
  /** What the agent last reported of each usage field (tokens, context, cost), merged as the timeline merges them. */
  usage: usageEventSchema.omit({ type: true }),
  prUrl: z.string().nullable(),
  change: z
    .object({
      state: z.enum(["pending", "applied", "discarded", "conflict"]),
      files: z.array(changeFileSchema),
      additions: z.number().int(),
      deletions: z.number().int(),
      message: z.string().nullable(),
    })
    .nullable(),
});
export type AttemptRow = z.infer<typeof attemptRowSchema>;

/**
 * The attempts of a group in the order they were asked for; `ref` is the group's id or the id of
 * one of its attempts. Empty when there is no such group.
 */
export async function listAttempts(db: Queryable, ref: string): Promise<Array<AttemptRow & { groupId: string }>> {
  const { rows } = await db.query(
    `select t.attempt_group::text as "groupId", t.id, t.project_id::text as "projectId", t.prompt, t.attempt_index as "attemptIndex",
            json_build_object('id', a.id, 'name', a.name) as agent, t.model, t.mode, t.state::text as state, t.summary, t.error,
            t.created_at as "createdAt", t.started_at as "startedAt", t.finished_at as "finishedAt",
            (select max(e.created_at) from task_event e
              where e.task_id = t.id and e.type = 'status' and e.payload->>'state' in ('review', 'completed', 'failed', 'cancelled')) as "ranUntil",
            coalesce((select jsonb_object_agg(u.key, u.value) from (
               select distinct on (kv.key) kv.key, kv.value
               from task_event e cross join jsonb_each(e.payload) kv
               where e.task_id = t.id and e.type = 'usage' and kv.key <> 'type'
               order by kv.key, e.seq desc) u), '{}') as usage,
            t.pr_url as "prUrl",
            case when c.id is null then null
                 else json_build_object('state', c.state, 'files', c.files, 'additions', c.additions, 'deletions', c.deletions, 'message', c.message) end as change
     from task t join agent a on a.id = t.agent_id left join change c on c.task_id = t.id
     where t.attempt_group = coalesce((select g.attempt_group from task g where g.id = $1), $1)
     order by t.attempt_index, t.id`,
    [ref],
  );
  return z.array(attemptRowSchema.extend({ groupId: z.string() })).parse(rows);
}

/** The attempt group of a task and its place there, or null when the task is not an attempt (undefined: no such task). */
export async function findAttemptOf(db: Queryable, taskId: string): Promise<{ groupId: string; attemptIndex: number } | null | undefined> {
  const { rows } = await db.query(`select attempt_group::text as "groupId", attempt_index as "attemptIndex" from task where id = $1`, [taskId]);
  const row = z.array(z.object({ groupId: z.string().nullable(), attemptIndex: z.number().int().nullable() })).parse(rows)[0];
  if (!row) return undefined;
  return row.groupId !== null && row.attemptIndex !== null ? { groupId: row.groupId, attemptIndex: row.attemptIndex } : null;
}

import type { Queryable } from "@wharf/db/pg";
import { z } from "zod";

/** The few fields of a recent event that a status line is made of (payload fields, shortened). */
const recentEvent = z.object({
  type: z.string(),
  role: z.string().nullable(),
  text: z.string().nullable(),
  title: z.string().nullable(),
  toolCallId: z.string().nullable(),
  phase: z.string().nullable(),
  reason: z.string().nullable(),
  state: z.string().nullable(),
  message: z.string().nullable(),
});
export type RecentEvent = z.infer<typeof recentEvent>;

/** One task with one of its recent events; a task without events has one row of nulls. */
const boardRow = recentEvent.extend({ id: z.string(), projectId: z.string(), type: z.string().nullable() });

const RECENT = 12;

/** Project and the last few events (newest first) of each task, in one query. */
export async function readBoardRows(db: Queryable, taskIds: string[]): Promise<Map<string, { projectId: string; recent: RecentEvent[] }>> {
  const { rows } = await db.query(
    `select t.id, t.project_id as "projectId", e.type, e.role, e.text, e.title, e."toolCallId", e.phase, e.reason, e.state, e.message
     from task t
     left join lateral (
       select payload->>'type' as type, payload->>'role' as role, right(payload->>'text', 400) as text,
              left(payload->>'title', 200) as title, payload->>'toolCallId' as "toolCallId",
              payload->>'phase' as phase, left(payload->>'reason', 200) as reason, payload->>'state' as state,
              left(payload->>'message', 200) as message
       from task_event where task_id = t.id order by seq desc limit ${RECENT}
     ) e on true
     where t.id = any($1::uuid[])`,
    [taskIds],
  );
  const result = new Map<string, { projectId: string; recent: RecentEvent[] }>();
  for (const { id, projectId, type, ...fields } of z.array(boardRow).parse(rows)) {
    let entry = result.get(id);
    if (!entry) result.set(id, (entry = { projectId, recent: [] }));
    if (type !== null) entry.recent.push({ type, ...fields });
  }
  return result;
}

const movedTaskRow = z.object({ id: z.string(), lastSeq: z.number().int(), state: z.string() });
export type MovedTaskRow = z.infer<typeof movedTaskRow>;

/**
 * Tasks that may have moved while nobody listened: those in one of `states` (the live ones) and
 * those updated since `since` (less two seconds, for clocks and commits in flight).
 */
export async function listTasksMovedSince(db: Queryable, states: readonly string[], since: Date): Promise<MovedTaskRow[]> {
  const { rows } = await db.query(
    `select t.id, t.last_seq as "lastSeq", t.state::text as state from task t
     where t.state::text = any($1::text[]) or t.updated_at >= $2::timestamptz - interval '2 seconds'`,
    [[...states], since],
  );
  return z.array(movedTaskRow).parse(rows);
}

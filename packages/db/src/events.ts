import type pg from "pg";
import { z } from "zod";
import { CHANNEL_EVENTS } from "./channels";

/** Anything that runs a query: a pool (one statement = one transaction) or a client in a transaction. */
export type Queryable = Pick<pg.Pool, "query"> | Pick<pg.PoolClient, "query">;

export type StoredEvent = { seq: number; at: Date; type: string; payload: unknown };

/**
 * A row of `readEvents`, checked by hand (a schema parse per row cost more than the query at
 * thousands of events a second). `at` travels as milliseconds since the epoch (float8), not as a
 * timestamptz: the driver parses a timestamp's text with a regular expression per row, which was
 * the largest single cost of reading a busy task's events.
 */
function storedEvent(row: { seq?: unknown; at_ms?: unknown; type?: unknown; payload?: unknown }): StoredEvent {
  const { seq, at_ms: at, type, payload } = row;
  if (!Number.isInteger(seq) || typeof at !== "number" || typeof type !== "string") throw new Error(`A task_event row is not (seq, at_ms, type, payload): ${JSON.stringify(row).slice(0, 200)}`);
  return { seq: seq as number, at: new Date(at), type, payload };
}
const appendedRow = z.object({ last_seq: z.number().int() });

export class TaskNotFoundError extends Error {
  override readonly name = "TaskNotFoundError";
  constructor(readonly taskId: string) {
    super(`Task ${taskId} does not exist: its events cannot be stored`);
  }
}

// One statement, so it is one transaction even on a pool. The UPDATE takes the task's row lock,
// which serialises writers of one task and keeps `seq` dense; the notification is delivered at
// commit, after the rows are visible. The batch travels as one JSON array: cheaper to encode than
// a text[] of JSON documents, and faster than unnest() of arrays in scripts/events-throughput.ts.
const APPEND_SQL = `
WITH bumped AS (
  UPDATE task SET last_seq = last_seq + $2 WHERE id = $1 RETURNING last_seq
), inserted AS (
  INSERT INTO task_event (task_id, seq, type, payload)
  SELECT $1, bumped.last_seq - $2 + e.ord, e.payload->>'type', e.payload
  FROM bumped, jsonb_array_elements($3::jsonb) WITH ORDINALITY AS e(payload, ord)
)
SELECT last_seq,
       pg_notify($4, jsonb_strip_nulls(jsonb_build_object('taskId', $1::text, 'seq', last_seq, 'state', $5::text))::text)
FROM bumped`;

/**
 * Appends `events` to the task's log with dense, increasing `seq`, and sends one
 * `wharf_events` notification `{taskId, seq: lastSeq, state?}` that arrives at commit.
 * Given a pool it commits by itself; given a client, it joins the caller's transaction.
 */
export async function appendEvents(
  db: Queryable,
  taskId: string,
  events: ReadonlyArray<{ type: string } & Record<string, unknown>>,
  opts: { state?: string } = {},
): Promise<{ firstSeq: number; lastSeq: number }> {
  const result = await db.query(APPEND_SQL, [
    taskId,
    events.length,
    JSON.stringify(events),
    CHANNEL_EVENTS,
    opts.state ?? null,
  ]);
  if (result.rows.length === 0) throw new TaskNotFoundError(taskId);
  const row = appendedRow.parse(result.rows[0]);
  return { firstSeq: row.last_seq - events.length + 1, lastSeq: row.last_seq };
}

/**
 * Reads a task's events in ascending `seq`: the first `limit` after `afterSeq` (default: from the
 * start), or — when only `beforeSeq` is given — the `limit` events just before it, for paging
 * history backwards. With both, the first `limit` strictly between them.
 */
export async function readEvents(
  db: Queryable,
  taskId: string,
  opts: { afterSeq?: number; beforeSeq?: number; limit: number },
): Promise<StoredEvent[]> {
  const backwards = opts.afterSeq === undefined && opts.beforeSeq !== undefined;
  const result = await db.query(
    `SELECT seq, date_part('epoch', created_at) * 1000 AS at_ms, type, payload FROM task_event
     WHERE task_id = $1 AND seq > $2 AND seq < $3
     ORDER BY seq ${backwards ? "DESC" : "ASC"} LIMIT $4`,
    [taskId, opts.afterSeq ?? 0, opts.beforeSeq ?? 2_147_483_647, opts.limit],
  );
  const rows = result.rows.map(storedEvent);
  return backwards ? rows.reverse() : rows;
}

import os from "node:os";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertTask, testPool } from "@wharf/db/fixtures";
import { createTestDatabase, type TestDatabase } from "@wharf/db/testing";
import type { TaskEvent } from "@wharf/api/schemas";
import { EventWriter } from "./event-writer";

const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
const lanes = Math.max(2, os.availableParallelism());
const say = (text: string): TaskEvent => ({ type: "message", role: "agent", text });
// Two roles in turn: a writer merges consecutive chunks of one role into one event.
const think = (text: string): TaskEvent => ({ type: "message", role: "thought", text });

let db: TestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = testPool(db.url, 40);
});

afterAll(async () => {
  await pool.end();
  await db.drop();
});

/** Each stored event's text and the transaction that wrote it, in seq order. */
async function stored(taskId: string): Promise<Array<{ text: string; xid: string }>> {
  const { rows } = await pool.query<{ text: string; xid: string }>(
    `SELECT coalesce(payload->>'text', payload->>'type') AS text, xmin::text AS xid FROM task_event WHERE task_id = $1 ORDER BY seq`,
    [taskId],
  );
  return rows;
}

describe("EventWriter", () => {
  it("writes at most one append per lane at once across all tasks of a pool", async () => {
    const writers = await Promise.all(Array.from({ length: lanes + 8 }, async () => new EventWriter(pool, await insertTask(pool), log)));
    let out = 0;
    let peak = 0;
    const onAcquire = () => (peak = Math.max(peak, ++out));
    const onRelease = () => (out -= 1);
    pool.on("acquire", onAcquire);
    pool.on("release", onRelease);
    try {
      for (const writer of writers) writer.push(say("hello"));
      await Promise.all(writers.map((writer) => writer.flush()));
    } finally {
      pool.off("acquire", onAcquire);
      pool.off("release", onRelease);
    }
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(lanes);
    for (const writer of writers) expect((await stored(writer.taskId)).map((e) => e.text)).toEqual(["hello"]);
  });

  it("joins a flush to the one still waiting for its turn, and keeps every event in order around a transaction", async () => {
    const taskId = await insertTask(pool);
    const writer = new EventWriter(pool, taskId, log);
    // Other tasks fill the lanes, so this task's appends wait their turn.
    const others = await Promise.all(Array.from({ length: lanes }, async () => new EventWriter(pool, await insertTask(pool), log)));
    for (const other of others) other.push(say("busy"));
    const busy = others.map((other) => other.flush());

    writer.push(say("one"));
    const first = writer.flush();
    writer.push(think("two"));
    const second = writer.flush(); // joins the first: one statement for both
    writer.push(say("three"));
    const state = writer.transaction(async () => ({ events: [{ type: "message", role: "user", text: "from the transaction" }] }));
    writer.push(think("four")); // after the transaction, though the first append has not begun
    const last = writer.flush();
    await Promise.all([first, second, state, last, ...busy]);

    const events = await stored(taskId);
    expect(events.map((e) => e.text)).toEqual(["one", "two", "three", "from the transaction", "four"]);
    expect(events[0]!.xid).toBe(events[1]!.xid);
    expect(events[2]!.xid).toBe(events[3]!.xid);
    expect(new Set(events.map((e) => e.xid)).size).toBe(3);
  });

  it("keeps the lanes free while a workspace writer's append waits for the task's row lock", async () => {
    const [locked, other] = [await insertTask(pool), await insertTask(pool)];
    // What a review action does while it pushes: the task's row locked in a transaction.
    const review = await pool.connect();
    try {
      await review.query("BEGIN");
      await review.query("SELECT id FROM task WHERE id = $1 FOR UPDATE", [locked]);
      // As many service reports of that task as there are lanes, each waiting for the lock.
      const waiting = Array.from({ length: lanes }, (_, i) => {
        const writer = new EventWriter(pool, locked, log, { ownConnection: true });
        writer.push(say(`service ${i}`));
        return writer.flush();
      });
      for (;;) {
        const { rows } = await pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        if (rows[0]!.n >= lanes) break;
        await new Promise((resolve) => setImmediate(resolve));
      }
      // Another task's events still go through while those wait.
      const streaming = new EventWriter(pool, other, log);
      streaming.push(say("still streaming"));
      await streaming.flush();
      expect((await stored(other)).map((e) => e.text)).toEqual(["still streaming"]);
      await review.query("COMMIT");
      await Promise.all(waiting);
    } finally {
      await review.query("ROLLBACK").catch(() => undefined);
      review.release();
    }
    expect((await stored(locked)).map((e) => e.text).sort()).toEqual(Array.from({ length: lanes }, (_, i) => `service ${i}`).sort());
  });
});

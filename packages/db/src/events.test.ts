import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHANNEL_EVENTS } from "./channels";
import { appendEvents, readEvents, TaskNotFoundError } from "./events";
import { quietLogger } from "./logger";
import { insertTask, testPool } from "./test-fixtures";
import { createTestDatabase, type TestDatabase } from "./testing";

let db: TestDatabase;
let pool: pg.Pool;
beforeAll(async () => {
  db = await createTestDatabase();
  pool = testPool(db.url, 12);
});
afterAll(async () => {
  await pool.end();
  await db.drop();
});

const message = (text: string) => ({ type: "message", role: "agent", text });

describe("appendEvents", () => {
  it("numbers events densely and stores each whole event as its payload", async () => {
    const taskId = await insertTask(pool);
    expect(await appendEvents(pool, taskId, [message("a"), message("b")])).toEqual({ firstSeq: 1, lastSeq: 2 });
    expect(await appendEvents(pool, taskId, [{ type: "status", state: "running" }])).toEqual({ firstSeq: 3, lastSeq: 3 });
    const events = await readEvents(pool, taskId, { limit: 10 });
    expect(events.map((e) => [e.seq, e.type])).toEqual([[1, "message"], [2, "message"], [3, "status"]]);
    expect(events[1]?.payload).toEqual(message("b"));
    expect(events[0]?.at).toBeInstanceOf(Date);
    const { rows } = await pool.query("SELECT last_seq FROM task WHERE id = $1", [taskId]);
    expect(rows[0].last_seq).toBe(3);
  });

  it("keeps seq dense and gap-free with many concurrent writers on one task", async () => {
    const taskId = await insertTask(pool);
    const writers = Array.from({ length: 8 }, (_, w) =>
      (async () => {
        const ranges: Array<[number, number]> = [];
        for (let b = 0; b < 15; b++) {
          const size = 1 + ((w * 7 + b * 3) % 9);
          const events = Array.from({ length: size }, (_, i) => message(`${w}-${b}-${i}`));
          const { firstSeq, lastSeq } = await appendEvents(pool, taskId, events);
          expect(lastSeq - firstSeq + 1).toBe(size);
          ranges.push([firstSeq, lastSeq]);
        }
        return ranges;
      })(),
    );
    const ranges = (await Promise.all(writers)).flat().sort((a, b) => a[0] - b[0]);
    let next = 1;
    for (const [first, last] of ranges) {
      expect(first).toBe(next);
      next = last + 1;
    }
    const { rows } = await pool.query<{ n: number; max: number }>(
      "SELECT count(*)::int AS n, max(seq) AS max FROM task_event WHERE task_id = $1",
      [taskId],
    );
    expect(rows[0]).toEqual({ n: next - 1, max: next - 1 });
  });

  it("notifies once per batch at commit, with the state when given", async () => {
    const taskId = await insertTask(pool);
    const listener = new pg.Client({ connectionString: db.url });
    listener.on("error", (error) => quietLogger.error("test LISTEN connection failed", { error: error.message }));
    await listener.connect();
    const received: unknown[] = [];
    const { promise: two, resolve } = Promise.withResolvers<void>();
    listener.on("notification", (n) => {
      const payload = JSON.parse(n.payload ?? "null") as { taskId: string };
      if (payload.taskId === taskId) received.push(payload);
      if (received.length === 2) resolve();
    });
    await listener.query(`LISTEN ${CHANNEL_EVENTS}`);
    try {
      await appendEvents(pool, taskId, [message("a"), message("b")]);
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        await appendEvents(client, taskId, [{ type: "status", state: "review" }], { state: "review" });
        // Rows and notification are invisible until the caller commits.
        expect((await readEvents(pool, taskId, { limit: 10 })).length).toBe(2);
        await client.query("COMMIT");
      } finally {
        client.release();
      }
      await two;
      expect(received).toEqual([{ taskId, seq: 2 }, { taskId, seq: 3, state: "review" }]);
    } finally {
      await listener.end();
    }
  });

  it("stores and notifies nothing when the caller's transaction rolls back", async () => {
    const taskId = await insertTask(pool);
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      await appendEvents(client, taskId, [message("lost")]);
      await client.query("ROLLBACK");
    } finally {
      client.release();
    }
    expect(await appendEvents(pool, taskId, [message("kept")])).toEqual({ firstSeq: 1, lastSeq: 1 });
  });

  it("rejects an unknown task", async () => {
    const missing = randomUUID();
    const error = await appendEvents(pool, missing, [message("x")]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskNotFoundError);
    expect((error as TaskNotFoundError).taskId).toBe(missing);
    const { rows } = await pool.query("SELECT count(*)::int AS n FROM task_event WHERE task_id = $1", [missing]);
    expect(rows[0].n).toBe(0);
  });

  it("deletes a task's events with the task (no foreign key: a trigger does it)", async () => {
    const [gone, kept] = [await insertTask(pool), await insertTask(pool)];
    await appendEvents(pool, gone, [message("a"), message("b")]);
    await appendEvents(pool, kept, [message("c")]);
    await pool.query("DELETE FROM task WHERE id = $1", [gone]);
    const { rows } = await pool.query<{ task_id: string; n: number }>(
      "SELECT task_id, count(*)::int AS n FROM task_event WHERE task_id = ANY($1::uuid[]) GROUP BY task_id",
      [[gone, kept]],
    );
    expect(rows).toEqual([{ task_id: kept, n: 1 }]);
  });
});

describe("readEvents", () => {
  let taskId: string;
  beforeAll(async () => {
    taskId = await insertTask(pool);
    const events = Array.from({ length: 250 }, (_, i) => message(String(i + 1)));
    await appendEvents(pool, taskId, events.slice(0, 100));
    await appendEvents(pool, taskId, events.slice(100));
  });
  const seqs = (events: Array<{ seq: number }>) => events.map((e) => e.seq);
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

  it("pages forwards after a seq", async () => {
    expect(seqs(await readEvents(pool, taskId, { limit: 5 }))).toEqual(range(1, 5));
    expect(seqs(await readEvents(pool, taskId, { afterSeq: 98, limit: 5 }))).toEqual(range(99, 103));
    expect(seqs(await readEvents(pool, taskId, { afterSeq: 248, limit: 5 }))).toEqual([249, 250]);
    expect(await readEvents(pool, taskId, { afterSeq: 250, limit: 5 })).toEqual([]);
  });

  it("pages backwards before a seq, returning ascending order", async () => {
    expect(seqs(await readEvents(pool, taskId, { beforeSeq: 251, limit: 4 }))).toEqual(range(247, 250));
    expect(seqs(await readEvents(pool, taskId, { beforeSeq: 3, limit: 10 }))).toEqual([1, 2]);
    // Walking the whole history backwards visits every event once.
    const seen: number[] = [];
    for (let before = 251; ; ) {
      const page = await readEvents(pool, taskId, { beforeSeq: before, limit: 60 });
      if (page.length === 0) break;
      seen.unshift(...seqs(page));
      before = page[0]!.seq;
    }
    expect(seen).toEqual(range(1, 250));
  });

  it("reads between two seqs when both are given", async () => {
    expect(seqs(await readEvents(pool, taskId, { afterSeq: 10, beforeSeq: 14, limit: 100 }))).toEqual([11, 12, 13]);
  });
});

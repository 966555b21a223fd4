import type pg from "pg";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { type ListenerError, PgListener } from "./listener";
import { quietLogger } from "./logger";
import { testPool } from "./test-fixtures";
import { createTestDatabase, type TestDatabase } from "./testing";

let db: TestDatabase;
let pool: pg.Pool;
const listeners: PgListener[] = [];
beforeAll(async () => {
  db = await createTestDatabase();
  pool = testPool(db.url, 4);
});
afterEach(async () => {
  await Promise.all(listeners.splice(0).map((listener) => listener.close()));
});
afterAll(async () => {
  await pool.end();
  await db.drop();
});

const silent = { error: () => undefined, warn: () => undefined, info: () => undefined };

function newListener(log = quietLogger): PgListener {
  const listener = new PgListener(db.url, { log, minBackoffMs: 20, maxBackoffMs: 200 });
  listeners.push(listener);
  return listener;
}

/** Collects payloads; `next()` resolves with the next one to arrive. */
function inbox() {
  const queue: string[] = [];
  const waiting: Array<(payload: string) => void> = [];
  return {
    handler: (payload: string) => {
      const resolve = waiting.shift();
      if (resolve) resolve(payload);
      else queue.push(payload);
    },
    next: () =>
      new Promise<string>((resolve) => {
        const payload = queue.shift();
        if (payload !== undefined) resolve(payload);
        else waiting.push(resolve);
      }),
    pending: () => queue.length,
  };
}

const notify = (channel: string, payload: string) => pool.query("SELECT pg_notify($1, $2)", [channel, payload]);

it("delivers notifications to every handler of a channel, registered before or after start", async () => {
  const listener = newListener();
  const early = inbox();
  const late = inbox();
  listener.listen("alpha", early.handler);
  await listener.start();
  await listener.listen("alpha", late.handler).ready;
  const other = inbox();
  await listener.listen("beta", other.handler).ready;
  await notify("alpha", "one");
  await notify("beta", "two");
  expect([await early.next(), await late.next(), await other.next()]).toEqual(["one", "one", "two"]);
});

it("stops delivering to a handler after it unsubscribes", async () => {
  const listener = newListener();
  const kept = inbox();
  const dropped = inbox();
  await listener.start();
  await listener.listen("gamma", kept.handler).ready;
  const unsubscribe = listener.listen("gamma", dropped.handler);
  await unsubscribe.ready;
  unsubscribe();
  await notify("gamma", "after");
  expect(await kept.next()).toBe("after");
  expect(dropped.pending()).toBe(0);
});

it("reconnects after its connection is terminated, LISTENs again, and tells onReconnect", async () => {
  const listener = newListener(silent);
  const messages = inbox();
  const errors: ListenerError[] = [];
  listener.onError((error) => errors.push(error));
  const { promise: reconnected, resolve } = Promise.withResolvers<void>();
  listener.onReconnect(resolve);
  listener.listen("delta", messages.handler);
  await listener.start();
  await notify("delta", "before");
  expect(await messages.next()).toBe("before");

  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (
       SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE datname = current_database() AND application_name = 'wharf-listener'
     ) terminated`,
  );
  expect(rows[0]?.n).toBe(1);
  await reconnected;
  expect(errors.some((error) => error.message.startsWith("connection lost"))).toBe(true);
  await notify("delta", "after");
  expect(await messages.next()).toBe("after");
});

it("reports a throwing handler with its channel and keeps delivering to the others", async () => {
  const listener = newListener(silent);
  const { promise: failed, resolve } = Promise.withResolvers<ListenerError>();
  listener.onError(resolve);
  const healthy = inbox();
  listener.listen("epsilon", () => {
    throw new Error("boom");
  });
  listener.listen("epsilon", async () => {
    throw new Error("async boom");
  });
  listener.listen("epsilon", healthy.handler);
  await listener.start();
  await notify("epsilon", "x");
  expect(await healthy.next()).toBe("x");
  const error = await failed;
  expect(error.context).toEqual({ channel: "epsilon" });
  expect(error.message).toMatch(/boom/);
});

it("rejects start when the database cannot be reached", async () => {
  const url = new URL(db.url);
  url.port = "1";
  const listener = new PgListener(url.toString(), { log: silent });
  listeners.push(listener);
  await expect(listener.start()).rejects.toThrow();
});

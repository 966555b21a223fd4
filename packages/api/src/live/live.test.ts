import { appendEvents } from "@wharf/db/pg";
import { createTestDatabase, type TestDatabase } from "@wharf/db/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { appRouter } from "../root";
import { createServices, type Services } from "../services";
import { createCallerFactory, createTRPCContext } from "../trpc";
import { LiveHub, type BoardChange, type Live } from "./hub";
import { streamTaskEvents } from "./task-stream";

const TOKEN = "wharf_live_test_token_0123456789abcdefghij";
let db: TestDatabase;
let services: Services;
let projectId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  services = await createServices({ databaseUrl: db.url, poolSize: 6 });
  const { rows } = await services.pool.query<{ id: string }>(
    `insert into project (id, name, repo_path, base_branch, updated_at) values (gen_random_uuid(), 'live', '/tmp/wharf-live-test', 'main', now()) returning id`,
  );
  projectId = rows[0]!.id;
  await services.pool.query(`insert into agent (id, name, transport, command, updated_at) values ('live-agent', 'Live', 'acp', 'true', now())`);
});
afterAll(async () => {
  await services?.close();
  await db?.drop();
});

function api(signal?: AbortSignal, serving: Services = services) {
  const ctx = createTRPCContext({ services: serving, headers: new Headers({ authorization: `Bearer ${TOKEN}` }), accessToken: TOKEN });
  return createCallerFactory(appRouter)(ctx, { signal });
}

async function newTask(project = projectId): Promise<string> {
  const { rows } = await services.pool.query<{ id: string }>(
    `insert into task (id, project_id, agent_id, prompt, state, updated_at) values (gen_random_uuid(), $1, 'live-agent', 'p', 'queued', now()) returning id`,
    [project],
  );
  return rows[0]!.id;
}

/**
 * Services with a hub of their own (so no other test's LISTEN reconnect shows up) that tells when
 * a board subscription has registered.
 */
function watchingBoards() {
  const hub = new LiveHub({ databaseUrl: db.url, pool: services.pool });
  const registered = Promise.withResolvers<void>();
  const live: Live = {
    ready: () => hub.ready(),
    watchTask: (taskId, wake) => hub.watchTask(taskId, wake),
    watchBoard: (wake) => {
      const unwatch = hub.watchBoard(wake);
      registered.resolve();
      return unwatch;
    },
    watchRunners: (wake) => hub.watchRunners(wake),
    onUnavailable: (handler) => hub.onUnavailable(handler),
    counts: () => hub.counts(),
    close: () => hub.close(),
  };
  return { serving: { ...services, live }, registered: registered.promise };
}

const text = (i: number) => ({ type: "message", role: "agent", text: `chunk ${i}` });

async function append(taskId: string, count: number, state?: string): Promise<number> {
  const events = Array.from({ length: count }, (_, i) => text(i));
  return (await appendEvents(services.pool, taskId, events, { state })).lastSeq;
}

/** Appends `batches` batches of 1–4 events with a macrotask between them; resolves with the last seq. */
async function appendConcurrently(taskId: string, batches: number): Promise<number> {
  let last = 0;
  for (let b = 0; b < batches; b++) {
    last = await append(taskId, 1 + (b % 4));
    await new Promise((resolve) => setImmediate(resolve));
  }
  return last;
}

type Tracked = [string, { seq: number; at: Date; event: { type: string } }];

/** Reads a subscription until `until(seqs)` holds, leaving it open; returns the seqs read. */
async function collect(iterable: AsyncIterable<unknown>, seqs: number[], until: (seqs: number[]) => boolean): Promise<number[]> {
  const iterator = iterable[Symbol.asyncIterator]();
  while (!until(seqs)) {
    const result = await iterator.next();
    if (result.done) throw new Error(`the subscription ended after ${seqs.length} events`);
    const [id, data] = result.value as Tracked;
    expect(id).toBe(String(data.seq));
    seqs.push(data.seq);
  }
  return seqs;
}

function expectDense(seqs: number[], last: number) {
  expect(seqs).toEqual(Array.from({ length: last }, (_, i) => i + 1));
}

it("backfills, follows live appends and resumes from lastEventId with no gap and no duplicate", async () => {
  const taskId = await newTask();
  await append(taskId, 30);
  const total = appendConcurrently(taskId, 150);

  const first = new AbortController();
  const seqs = await collect(await api(first.signal).task.events({ taskId }), [], (s) => s.length >= 120);
  first.abort();

  const lastEventId = String(seqs.at(-1));
  const second = new AbortController();
  const iterable = await api(second.signal).task.events({ taskId, lastEventId });
  const last = await total;
  await collect(iterable, seqs, (s) => s.at(-1) === last);
  second.abort();
  expectDense(seqs, last);
});

it("starts from the tail when asked, and refuses unknown tasks and ids past the end", async () => {
  const taskId = await newTask();
  const last = await append(taskId, 40);
  const controller = new AbortController();
  const seqs = await collect(await api(controller.signal).task.events({ taskId, tail: 5 }), [], (s) => s.at(-1) === last);
  controller.abort();
  expect(seqs).toEqual([36, 37, 38, 39, 40]);

  const missing = await api().task.events({ taskId: "00000000-0000-4000-8000-000000000000" });
  await expect(collect(missing, [], () => false)).rejects.toMatchObject({ code: "NOT_FOUND" });
  const past = await api().task.events({ taskId, lastEventId: "41" });
  await expect(collect(past, [], () => false)).rejects.toMatchObject({ code: "BAD_REQUEST" });
});

it("removes a subscriber's watcher when it leaves, whether waiting or reading", async () => {
  const taskId = await newTask();
  await append(taskId, 3);
  const before = services.live.counts();

  const waiting = new AbortController();
  const iterator = (await api(waiting.signal).task.events({ taskId }))[Symbol.asyncIterator]();
  for (let i = 0; i < 3; i++) await iterator.next();
  expect(services.live.counts().taskWatchers).toBe(before.taskWatchers + 1);
  const pending = iterator.next(); // waits for a live event
  waiting.abort();
  await expect(pending).resolves.toMatchObject({ done: true });
  expect(services.live.counts()).toEqual(before);

  const reading = new AbortController();
  const second = (await api(reading.signal).task.events({ taskId }))[Symbol.asyncIterator]();
  await second.next();
  expect(services.live.counts().taskWatchers).toBe(before.taskWatchers + 1);
  await second.return?.(undefined);
  expect(services.live.counts()).toEqual(before);
});

it("misses nothing when the LISTEN connection is killed mid-stream", async () => {
  const taskId = await newTask();
  await append(taskId, 10);
  const controller = new AbortController();
  const iterable = await api(controller.signal).task.events({ taskId });
  const seqs = await collect(iterable, [], (s) => s.length === 10);

  const { rows } = await services.pool.query<{ n: number }>(
    `select count(*)::int as n from (
       select pg_terminate_backend(pid, 5000) from pg_stat_activity
       where datname = current_database() and application_name = 'wharf-listener'
     ) killed`,
  );
  expect(rows[0]!.n).toBe(1);
  // Written while the listener is gone (terminate waited for it to exit): most likely before it is
  // back, so only the re-read after the reconnect delivers these.
  const last = await append(taskId, 25);
  await collect(iterable, seqs, (s) => s.at(-1) === last);
  controller.abort();
  expectDense(seqs, last);
});

it("board.changes sends state changes and a status line, per project, coalesced per task", async () => {
  const otherProject = (
    await services.pool.query<{ id: string }>(
      `insert into project (id, name, repo_path, base_branch, updated_at) values (gen_random_uuid(), 'other', '/tmp/wharf-live-other', 'main', now()) returning id`,
    )
  ).rows[0]!.id;
  const taskId = await newTask();
  const elsewhere = await newTask(otherProject);
  const controller = new AbortController();
  const { serving, registered } = watchingBoards();
  const iterator = (await api(controller.signal, serving).board.changes({ projectId }))[Symbol.asyncIterator]();
  const first = iterator.next();
  await registered;
  // Only cards of this project, and the one of interest.
  let pulled: Promise<IteratorResult<BoardChange>> | null = first as Promise<IteratorResult<BoardChange>>;
  const next = async (): Promise<BoardChange> => {
    for (;;) {
      const change = (await (pulled ?? iterator.next())).value as BoardChange;
      pulled = null;
      expect(change.projectId).toBe(projectId);
      expect(change.taskId).not.toBe(elsewhere);
      if (change.taskId === taskId) return change;
    }
  };

  await append(elsewhere, 1, "running");
  await appendEvents(services.pool, taskId, [{ type: "status", state: "running", reason: "agent started" }], { state: "running" });
  // A burst of 20 batches: coalesced into a few changes (one per task per 100 ms window).
  for (let i = 0; i < 20; i++) await appendEvents(services.pool, taskId, [{ type: "tool_call", toolCallId: `t${i}`, title: `Read file ${i}` }]);
  const changes = [await next()];
  while (changes.at(-1)!.seq < 21) changes.push(await next());
  expect(changes[0]!.state).toBe("running");
  expect(changes.at(-1)).toMatchObject({ seq: 21, status: "Read file 19" });
  expect(changes.length).toBeLessThan(10);

  await appendEvents(services.pool, taskId, [{ type: "status", state: "review", reason: "agent finished" }], { state: "review" });
  expect(await next()).toEqual({ taskId, projectId, seq: 22, state: "review", status: "agent finished" });
  controller.abort();
  await expect(iterator.next()).resolves.toMatchObject({ done: true });
  expect(serving.live.counts().boardWatchers).toBe(0);
  await serving.live.close();
});

it("reads from the database only as fast as the consumer pulls", async () => {
  const taskId = await newTask();
  await append(taskId, 50);
  let reads = 0;
  const counting = { query: ((...args: Parameters<Services["pool"]["query"]>) => (reads++, services.pool.query(...args))) as Services["pool"]["query"] };
  const controller = new AbortController();
  const stream = streamTaskEvents({ live: services.live, db: counting, taskId, startAfter: async () => 0, signal: controller.signal, pageSize: 10 });
  expect((await stream.next()).value?.seq).toBe(1);
  expect(reads).toBe(1);
  // A consumer that stops pulling: new events are announced, but nothing more is read or buffered.
  for (let i = 0; i < 20; i++) await append(taskId, 25);
  await services.pool.query("select pg_sleep(0.2)");
  expect(reads).toBe(1);
  const seqs: number[] = [1];
  for (let i = 0; i < 549; i++) seqs.push((await stream.next()).value!.seq);
  expectDense(seqs, 550);
  expect(reads).toBe(55);
  controller.abort();
  await expect(stream.next()).resolves.toMatchObject({ done: true });
});

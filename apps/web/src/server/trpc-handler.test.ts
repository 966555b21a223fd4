import { createTRPCClient } from "@trpc/client";
import { createServices, type AppRouter, type Live, type Services } from "@wharf/api";
import { appendEvents } from "@wharf/db/pg";
import { createTestDatabase, type TestDatabase } from "@wharf/db/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { wharfLinks } from "~/trpc/links";
import { serveFetch, type ServedHandler } from "./serve-fetch";
import { createTRPCHandler } from "./trpc-handler";

const TOKEN = "wharf_web_sse_test_token_0123456789abcdef";
let db: TestDatabase;
let services: Services;
let served: ServedHandler;
let url: string;
/** Resolves each time a task subscription removes its watcher on the server. */
let unwatched = Promise.withResolvers<void>();

beforeAll(async () => {
  db = await createTestDatabase();
  const real = await createServices({ databaseUrl: db.url, poolSize: 4 });
  const live: Live = {
    ready: () => real.live.ready(),
    watchTask: (taskId, wake) => {
      const unwatch = real.live.watchTask(taskId, wake);
      return () => {
        unwatch();
        unwatched.resolve();
      };
    },
    watchBoard: (wake) => real.live.watchBoard(wake),
    watchRunners: (wake) => real.live.watchRunners(wake),
    onUnavailable: (handler) => real.live.onUnavailable(handler),
    counts: () => real.live.counts(),
    close: () => real.live.close(),
  };
  services = { ...real, live };
  const handler = createTRPCHandler({ services: async () => services, accessToken: () => TOKEN });
  served = await serveFetch(handler);
  url = `${served.origin}/api/trpc`;
  await services.pool.query(`insert into agent (id, name, transport, command, updated_at) values ('sse-agent', 'SSE', 'acp', 'true', now())`);
});
afterAll(async () => {
  await served?.close();
  await services?.close();
  await db?.drop();
});

async function newTask(): Promise<string> {
  const { rows: project } = await services.pool.query<{ id: string }>(
    `insert into project (id, name, repo_path, base_branch, updated_at) values (gen_random_uuid(), 'sse', '/tmp/wharf-sse-' || gen_random_uuid(), 'main', now()) returning id`,
  );
  const { rows } = await services.pool.query<{ id: string }>(
    `insert into task (id, project_id, agent_id, prompt, state, updated_at) values (gen_random_uuid(), $1, 'sse-agent', 'p', 'running', now()) returning id`,
    [project[0]!.id],
  );
  return rows[0]!.id;
}

const append = (taskId: string, count: number) =>
  appendEvents(services.pool, taskId, Array.from({ length: count }, (_, i) => ({ type: "message", role: "agent", text: `c${i}` })));

it("streams task events over SSE and resumes with no gap and no duplicate after the server cuts the connection", async () => {
  const taskId = await newTask();
  await append(taskId, 20);
  const client = createTRPCClient<AppRouter>({ links: wharfLinks({ url, token: TOKEN }) });

  const seqs: number[] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const failed = Promise.withResolvers<never>();
  const subscription = client.task.events.subscribe(
    { taskId },
    {
      onData({ id, data }) {
        expect(id).toBe(String(data.seq));
        expect(data.at).toBeInstanceOf(Date);
        expect(data.event.type).toBe("message");
        seqs.push(data.seq);
        for (const waiter of waiters.filter((w) => seqs.length >= w.count)) waiter.resolve();
      },
      onError: failed.reject,
    },
  );
  const received = (count: number) =>
    Promise.race([
      failed.promise,
      new Promise<void>((resolve) => {
        if (seqs.length >= count) resolve();
        else waiters.push({ count, resolve });
      }),
    ]);

  await received(20);
  await append(taskId, 30); // live
  await received(50);
  // The server drops every connection; the client reconnects on its own with Last-Event-ID.
  const cut = unwatched.promise;
  served.dropConnections();
  await cut;
  unwatched = Promise.withResolvers<void>();
  for (let b = 0; b < 10; b++) await append(taskId, 7); // written while disconnected
  await received(120);
  await append(taskId, 5);
  await received(125);
  expect(seqs).toEqual(Array.from({ length: 125 }, (_, i) => i + 1));

  // Leaving ends the server's generator and removes its watcher.
  const left = unwatched.promise;
  subscription.unsubscribe();
  await left;
  expect(services.live.counts().taskWatchers).toBe(0);
});

it("refuses a subscription with a wrong token and reports an unknown task as NOT_FOUND", async () => {
  const taskId = await newTask();
  const wrong = createTRPCClient<AppRouter>({ links: wharfLinks({ url, token: `${TOKEN}x` }) });
  const unauthorized = Promise.withResolvers<unknown>();
  const a = wrong.task.events.subscribe({ taskId }, { onData: () => unauthorized.reject(new Error("data without a token")), onError: unauthorized.resolve });
  await expect(unauthorized.promise).resolves.toMatchObject({ data: { code: "UNAUTHORIZED" } });
  a.unsubscribe();

  const right = createTRPCClient<AppRouter>({ links: wharfLinks({ url, token: TOKEN }) });
  const missing = Promise.withResolvers<unknown>();
  const b = right.task.events.subscribe(
    { taskId: "00000000-0000-4000-8000-000000000000" },
    { onData: () => missing.reject(new Error("data for a missing task")), onError: missing.resolve },
  );
  await expect(missing.promise).resolves.toMatchObject({ data: { code: "NOT_FOUND" } });
  b.unsubscribe();
});

import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { migrate, quietLogger, startEmbeddedPostgres, type EmbeddedPostgres } from "@wharf/db";
import { createWharfClient, readToken, taskEvents, type LiveTaskEvent } from "./index.ts";
import { scenarioPrompt, startTestWharf, type TestWharf } from "./testing/server.ts";

// Its own PostgreSQL: this test stops and starts it, which must not disturb other test files.
const dataDir = mkdtempSync(path.join(os.tmpdir(), "wharf-client-pg-restart-"));
let server: EmbeddedPostgres;
let wharf: TestWharf;

beforeAll(async () => {
  server = await startEmbeddedPostgres({ dataDir, fastInit: true, log: quietLogger });
  await migrate(server.url, quietLogger);
  wharf = await startTestWharf({ database: { url: server.url, drop: async () => undefined } });
}, 180_000);
afterAll(async () => {
  await wharf?.stop();
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
}, 30_000);

it("a client following a task over SSE is told the database is gone, then resumes with no gap and no duplicate", async () => {
  const client = createWharfClient({ url: wharf.url, token: readToken(wharf.home), actor: "pg-restart-test" });
  const project = await client.project.create.mutate({ path: wharf.makeRepo() });
  const task = await client.task.create.mutate({
    projectId: project.id,
    agentId: "scripted",
    prompt: scenarioPrompt({
      steps: [
        { type: "text", text: "before the restart" },
        // 18 one-letter chunks over ~4 s: some are written while the server is down.
        { type: "text", text: "during the restart", chunks: 18, delayMs: 220 },
        { type: "write_file", path: "after.txt", content: "written after the restart\n" },
        { type: "text", text: "after the restart" },
      ],
    }),
  });

  const seen: LiveTaskEvent[] = [];
  const connection: string[] = [];
  const stop = new AbortController();
  // Generous: the flow takes ~5 s alone, but once took over 60 s on a machine running four other test suites.
  const timeout = setTimeout(() => stop.abort(), 150_000);
  let restart: Promise<void> | null = null;
  const onConnection = (state: string, error: Error | null) => connection.push(error ? `${state}: ${error.message}` : state);
  try {
    for await (const item of taskEvents(client, task.id, { signal: stop.signal, onConnection })) {
      seen.push(item);
      const { event } = item;
      if (!restart && event.type === "message" && event.role === "agent") {
        // Restart PostgreSQL while the stream stays open; the loop keeps reading meanwhile.
        restart = (async () => {
          const port = server.port;
          await server.stop();
          await new Promise((resolve) => setTimeout(resolve, 1000));
          server = await startEmbeddedPostgres({ dataDir, port, log: quietLogger });
        })();
      }
      if (event.type === "status" && (event.state === "review" || event.state === "failed")) stop.abort();
    }
  } finally {
    clearTimeout(timeout);
  }
  await restart;

  // The subscriber was told, in words, why its stream dropped, and it reconnected by itself.
  expect(connection.some((c) => c.startsWith("connecting: Wharf cannot reach its database"))).toBe(true);
  expect(connection.filter((c) => c === "pending").length).toBeGreaterThanOrEqual(2);

  // Every event once, in order, up to the task's end.
  const final = await client.task.get.query({ id: task.id });
  // When it did not end, what the stream saw last and what the runner said tell why.
  const last = seen.slice(-8).map((e) => `${e.seq} ${JSON.stringify(e.event).slice(0, 160)}`);
  expect(final.state, `events: ${last.join("\n")}\nrunner: ${wharf.runnerOutput().slice(-3000)}`).toBe("review");
  expect(seen.map((e) => e.seq)).toEqual(Array.from({ length: final.lastSeq }, (_, i) => i + 1));
  const text = seen.flatMap((e) => (e.event.type === "message" && e.event.role === "agent" ? [e.event.text] : [])).join("");
  expect(text).toContain("before the restart");
  expect(text).toContain("during the restart");
  expect(text).toContain("after the restart");
}, 180_000);

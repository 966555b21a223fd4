import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { migrate, quietLogger, startEmbeddedPostgres, type EmbeddedPostgres } from "@wharf/db";
import { makeRepo } from "./testing/git-fixture";
import { scenario } from "./testing/hanging-agent";
import { startStack, type Stack } from "./testing/stack";


// Its own server: this test stops and starts PostgreSQL, which must not disturb other files.
const dataDir = mkdtempSync(path.join(os.tmpdir(), "wharf-pg-restart-"));
let server: EmbeddedPostgres;
let stack: Stack;

beforeAll(async () => {
  server = await startEmbeddedPostgres({ dataDir, fastInit: true, log: quietLogger });
  await migrate(server.url, quietLogger);
  stack = await startStack({ database: { url: server.url, drop: async () => undefined } });
}, 60_000);
afterAll(async () => {
  await stack?.stop();
  await server?.stop();
}, 30_000);

it("keeps a running task going through a PostgreSQL restart, losing no event", async () => {
  const project = await stack.api.project.create({ path: makeRepo() });
  const task = await stack.api.task.create({
    projectId: project.id,
    agentId: "scripted",
    prompt: scenario({
      steps: [
        { type: "text", text: "before the restart" },
        // 18 one-letter chunks over ~4 s: some are written while the server is down.
        { type: "text", text: "during the restart", chunks: 18, delayMs: 220 },
        { type: "write_file", path: "after.txt", content: "written after the restart\n" },
        { type: "text", text: "after the restart" },
      ],
    }),
  });
  await stack.waitForEvent(task.id, (e) => e.type === "message" && e.role === "agent", "the agent's first words");
  const port = server.port;
  await server.stop();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  server = await startEmbeddedPostgres({ dataDir, port, log: quietLogger });

  const done = await stack.waitForState(task.id, ["review", "failed", "completed"], 60_000);
  expect(done.state).toBe("review");
  const events = await stack.events(task.id);
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  const text = events.flatMap((e) => (e.event.type === "message" && e.event.role === "agent" ? [e.event.text] : [])).join("");
  expect(text).toContain("before the restart");
  expect(text).toContain("during the restart");
  expect(text).toContain("after the restart");
}, 90_000);

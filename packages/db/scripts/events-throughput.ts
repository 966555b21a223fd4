// How many task events per second appendEvents stores: a quick check, not a test.
// Usage: pnpm --filter @wharf/db exec tsx scripts/events-throughput.ts [tasks] [batch] [batchesPerTask]
// Uses DATABASE_URL when set (events are written to fresh tasks there), else a throwaway embedded server.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startEmbeddedPostgres } from "../src/embedded";
import { appendEvents } from "../src/events";
import { quietLogger } from "../src/logger";
import { migrate } from "../src/migrate";
import { insertTask, testPool } from "../src/test-fixtures";

const [tasks = 8, batch = 300, batches = 40] = process.argv.slice(2).map(Number);
const dir = process.env.DATABASE_URL ? null : await mkdtemp(path.join(os.tmpdir(), "wharf-throughput-"));
const server = dir ? await startEmbeddedPostgres({ dataDir: path.join(dir, "pg"), log: quietLogger }) : null;
const url = process.env.DATABASE_URL ?? server!.url;
try {
  await migrate(url);
  const pool = testPool(url, tasks);
  const ids = [];
  for (let i = 0; i < tasks; i++) ids.push(await insertTask(pool));
  const event = (t: number, b: number, i: number) => ({
    type: "message",
    role: "agent",
    text: `chunk ${t}/${b}/${i}: the agent explains what it will change next, in a few words.`,
  });
  const started = performance.now();
  await Promise.all(
    ids.map(async (taskId, t) => {
      for (let b = 0; b < batches; b++) {
        await appendEvents(pool, taskId, Array.from({ length: batch }, (_, i) => event(t, b, i)));
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const total = tasks * batch * batches;
  console.log(
    `${total} events in ${seconds.toFixed(2)} s = ${Math.round(total / seconds)} events/s ` +
      `(${tasks} concurrent tasks, batches of ${batch})`,
  );
  await pool.end();
} finally {
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
}

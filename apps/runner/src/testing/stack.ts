import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { appRouter, createCallerFactory, createServices, createTRPCContext, type Services } from "@wharf/api";
import { CHANNEL_EVENTS, eventsNotifySchema, taskEventSchema, type TaskEvent, type TaskState } from "@wharf/api/schemas";
import { PgListener, readEvents } from "@wharf/db/pg";
import { createTestDatabase } from "@wharf/db/testing";
import { readEnv } from "../env";
import { createLogger } from "../logger";
import { startRunner, type RunnerHandle } from "../runner";
import type { SandboxMode } from "../sandbox";

const TEST_TOKEN = "wharf_test_token_0123456789abcdefghijklmnop";

export type Stack = Awaited<ReturnType<typeof startStack>>;

/** The real thing for integration tests: a fresh database, the API (as a caller) and a runner. */
export async function startStack(
  opts: {
    concurrency?: number;
    runnerEnv?: Record<string, string>;
    inProcessRunner?: boolean;
    database?: { url: string; drop(): Promise<void> };
    /** The runner's OS sandbox (`off` for tests that look at host processes or files outside the worktree); WHARF_SANDBOX's by default. */
    sandbox?: SandboxMode;
  } = {},
) {
  const db = opts.database ?? (await createTestDatabase());
  const home = mkdtempSync(path.join(os.tmpdir(), "wharf-home-"));
  // The web side's WHARF_HOME is the in-process runner's (the one-box default); runner processes get their own.
  const services: Services = await createServices({ databaseUrl: db.url, poolSize: 4, home });
  const callerFor = (token: string | null) =>
    createCallerFactory(appRouter)(
      createTRPCContext({
        services,
        headers: new Headers(token ? { authorization: `Bearer ${token}` } : {}),
        accessToken: TEST_TOKEN,
      }),
    );
  const api = callerFor(TEST_TOKEN);
  const log = createLogger("test-runner");
  const runnerEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATABASE_URL: db.url,
    WHARF_HOME: home,
    WHARF_CANCEL_GRACE_MS: "1000",
    WHARF_RUNNER_CONCURRENCY: String(opts.concurrency ?? 4),
    ...opts.runnerEnv,
  };
  const noRunner: RunnerHandle = { id: "none", stop: async () => undefined };
  const runner: RunnerHandle = opts.inProcessRunner === false ? noRunner : await startRunner(
    readEnv({
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: db.url,
      WHARF_HOME: home,
      WHARF_CANCEL_GRACE_MS: "1000",
      WHARF_RUNNER_CONCURRENCY: String(opts.concurrency ?? 4),
      ...opts.runnerEnv,
    }),
    log,
    opts.sandbox === undefined ? {} : { sandbox: opts.sandbox },
  );

  // Waiting is driven by NOTIFY on the events channel, never by polling.
  const listener = new PgListener(db.url);
  const waiters = new Set<() => void>();
  listener.listen(CHANNEL_EVENTS, (payload: string) => {
    if (eventsNotifySchema.safeParse(JSON.parse(payload)).success) for (const wake of [...waiters]) wake();
  });
  // Notifications sent while the listener was reconnecting are lost: look again after it is back.
  listener.onReconnect(() => {
    for (const wake of [...waiters]) wake();
  });
  await listener.start();

  async function waitUntil<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let busy = false;
      let again = false;
      const timer = setTimeout(() => {
        waiters.delete(wake);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const wake = () => {
        if (busy) {
          again = true;
          return;
        }
        busy = true;
        check().then(
          (value) => {
            busy = false;
            if (value !== undefined) {
              clearTimeout(timer);
              waiters.delete(wake);
              resolve(value);
            } else if (again) {
              again = false;
              wake();
            }
          },
          (error: unknown) => {
            clearTimeout(timer);
            waiters.delete(wake);
            reject(error);
          },
        );
      };
      waiters.add(wake);
      wake();
    });
  }

  async function events(taskId: string): Promise<Array<{ seq: number; event: TaskEvent }>> {
    const rows = await readEvents(services.pool, taskId, { afterSeq: 0, limit: 100_000 });
    return rows.map((r) => ({ seq: r.seq, event: taskEventSchema.parse(r.payload) }));
  }

  return {
    db,
    home,
    services,
    api,
    callerFor,
    runner,
    runnerEnv,
    events,
    waitUntil,
    waitForState(taskId: string, states: TaskState[], timeoutMs?: number) {
      return waitUntil(
        async () => {
          const task = await api.task.get({ id: taskId });
          return states.includes(task.state) ? task : undefined;
        },
        `task ${taskId} to reach ${states.join(" or ")}`,
        timeoutMs,
      );
    },
    waitForEvent(taskId: string, predicate: (event: TaskEvent) => boolean, what: string, timeoutMs?: number) {
      return waitUntil(async () => (await events(taskId)).find((e) => predicate(e.event)), what, timeoutMs);
    },
    async stop() {
      await runner.stop();
      await listener.close();
      await services.close();
      await db.drop();
    },
  };
}

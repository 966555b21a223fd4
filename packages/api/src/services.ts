import { PgBoss } from "pg-boss";
import pg from "pg";
import { createPrisma, type PrismaClient } from "@wharf/db";
import { LiveHub, type Live } from "./live";
import { TASK_QUEUE } from "./schemas";

/** Long-lived resources of one process that serves the API (web tier, tests, scripts). */
export type Services = {
  prisma: PrismaClient;
  pool: pg.Pool;
  boss: PgBoss;
  /** Live task events and board changes: one LISTEN connection, fanned out in memory. */
  live: Live;
  close(): Promise<void>;
};

/** Queue settings shared by the sender (API) and the consumer (runner). */
export const taskQueueOptions = {
  notify: true,
  // A runner that stops heartbeating (killed, partitioned) loses the job within this bound.
  heartbeatSeconds: 10,
  // Agent runs may wait on a person for a long time; heartbeats, not expiry, detect dead runners.
  expireInSeconds: 24 * 3600, // pg-boss maximum; a turn that waits on a person longer than a day is failed
  retryLimit: 1,
  retryDelay: 0,
} as const;

export async function createBoss(databaseUrl: string, role: "api" | "runner"): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: databaseUrl,
    useListenNotify: role === "runner",
    instanceName: `wharf-${role}`,
    max: role === "runner" ? 4 : 2,
    // Runners supervise: a job whose runner stopped heartbeating is failed (and retried) within
    // heartbeatSeconds plus this interval.
    ...(role === "api" ? { supervise: false, schedule: false } : { superviseIntervalSeconds: 5, monitorIntervalSeconds: 5 }),
  });
  boss.on("error", (error: unknown) => {
    console.error(`[pg-boss ${role}]`, error);
  });
  await boss.start();
  await boss.createQueue(TASK_QUEUE, taskQueueOptions);
  return boss;
}

export async function createServices(opts: { databaseUrl: string; poolSize?: number }): Promise<Services> {
  const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: opts.poolSize ?? 10 });
  pool.on("error", (error) => console.error("[pg pool] idle client error", error));
  const prisma = createPrisma(opts.databaseUrl);
  const boss = await createBoss(opts.databaseUrl, "api");
  const live = new LiveHub({ databaseUrl: opts.databaseUrl, pool });
  return {
    prisma,
    pool,
    boss,
    live,
    async close() {
      await live.close();
      await boss.stop({ graceful: false, close: true });
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

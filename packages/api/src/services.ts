import type { PgBoss } from "pg-boss";
import pg from "pg";
import { LiveHub, type Live } from "./live";
import { createBoss } from "./task-queue";

export { createBoss, taskQueueOptions } from "./task-queue";

/** Long-lived resources of one process that serves the API (web tier, tests, scripts). */
export type Services = {
  pool: pg.Pool;
  boss: PgBoss;
  /** Live task events and board changes: one LISTEN connection, fanned out in memory. */
  live: Live;
  close(): Promise<void>;
};

export async function createServices(opts: { databaseUrl: string; poolSize?: number }): Promise<Services> {
  const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: opts.poolSize ?? 10 });
  pool.on("error", (error) => console.error("[pg pool] idle client error", error));
  const boss = await createBoss(opts.databaseUrl, "api");
  const live = new LiveHub({ databaseUrl: opts.databaseUrl, pool });
  return {
    pool,
    boss,
    live,
    async close() {
      await live.close();
      await boss.stop({ graceful: false, close: true });
      await pool.end();
    },
  };
}

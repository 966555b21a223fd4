import type { PgBoss } from "pg-boss";
import pg from "pg";
import { wharfHome } from "@wharf/db/pg";
import { AgentInstaller } from "./agents/installer";
import { redetectAgents } from "./agents/sync";
import { LiveHub, type Live } from "./live";
import { createBoss } from "./task-queue";

export { createBoss, taskQueueOptions } from "./task-queue";

/** Long-lived resources of one process that serves the API (web tier, tests, scripts). */
export type Services = {
  pool: pg.Pool;
  boss: PgBoss;
  /** Live task events and board changes: one LISTEN connection, fanned out in memory. */
  live: Live;
  /** Wharf's data directory; its `agents` folder is where the Install button puts agents. */
  home: string;
  /** Agent installs from npm (one at a time, progress for the Agents page). */
  installs: AgentInstaller;
  close(): Promise<void>;
};

export type ServicesOptions = {
  databaseUrl: string;
  poolSize?: number;
  /** Default: WHARF_HOME or its default. */
  home?: string;
  /** The npm registry agents are installed from, over the person's npm config (WHARF_NPM_REGISTRY). */
  npmRegistry?: string | undefined;
};

export async function createServices(opts: ServicesOptions): Promise<Services> {
  const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: opts.poolSize ?? 10 });
  // An idle client dropped by the server (a restart, or the database stopping first at shutdown)
  // is replaced on the next query; one line says so, not the client object.
  pool.on("error", (error) => console.error(`[pg pool] idle connection lost: ${error.message}`));
  const boss = await createBoss(opts.databaseUrl, "api");
  const live = new LiveHub({ databaseUrl: opts.databaseUrl, pool });
  const home = opts.home ?? wharfHome();
  const installs = new AgentInstaller({
    home,
    registry: opts.npmRegistry,
    log: console,
    onInstalled: async (id) => {
      await redetectAgents(pool, { id, home });
    },
  });
  return {
    pool,
    boss,
    live,
    home,
    installs,
    async close() {
      installs.close();
      await live.close();
      await boss.stop({ graceful: false, close: true });
      await pool.end();
    },
  };
}

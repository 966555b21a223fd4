import path from "node:path";
import { EMBEDDED_DEFAULT_PORT, startEmbeddedPostgres } from "./embedded";
import type { Logger } from "./logger";
import { wharfHome } from "./paths";

export type ResolvedDatabase = { url: string; embedded: boolean; stop(opts?: { immediate?: boolean }): Promise<void> };

/**
 * The database Wharf uses: `DATABASE_URL` when set, else the embedded PostgreSQL kept in
 * `wharfHome()/postgres` (started here; `stop()` stops it, and is a no-op for an external one).
 */
export async function resolveDatabase(
  env: NodeJS.ProcessEnv = process.env,
  opts: { log?: Logger } = {},
): Promise<ResolvedDatabase> {
  if (env.DATABASE_URL) return { url: env.DATABASE_URL, embedded: false, stop: async () => undefined };
  const server = await startEmbeddedPostgres({
    dataDir: path.join(wharfHome(env), "postgres"),
    port: EMBEDDED_DEFAULT_PORT,
    ...(opts.log ? { log: opts.log } : {}),
  });
  return { url: server.url, embedded: true, stop: server.stop };
}

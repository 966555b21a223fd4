import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { quietLogger } from "./logger";

declare module "vitest" {
  export interface ProvidedContext {
    /** URL of a maintenance database on the test server (may create and drop databases). */
    wharfTestAdminUrl: string;
    /** Name of a migrated database that every test database is copied from. */
    wharfTestTemplate: string;
  }
}

export type TestDatabase = { url: string; drop(): Promise<void> };

/**
 * A fresh database with every migration applied, copied from the template the global setup
 * (`@wharf/db/testing/global-setup`) prepared. Call `drop()` when the test file is done.
 */
export function createTestDatabase(): Promise<TestDatabase> {
  return create(true);
}

/** A fresh database with nothing in it (for testing migrations themselves). */
export function createEmptyTestDatabase(): Promise<TestDatabase> {
  return create(false);
}

async function create(migrated: boolean): Promise<TestDatabase> {
  const adminUrl = inject("wharfTestAdminUrl");
  const template = inject("wharfTestTemplate");
  if (!adminUrl || !template) {
    throw new Error(
      'No test database server: add `globalSetup: ["@wharf/db/testing/global-setup"]` to this package\'s vitest config',
    );
  }
  const name = `wharf_test_${process.pid}_${randomBytes(4).toString("hex")}`;
  await admin(adminUrl, (client) =>
    client.query(
      `CREATE DATABASE ${client.escapeIdentifier(name)}${migrated ? ` TEMPLATE ${client.escapeIdentifier(template)}` : ""}`,
    ),
  );
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => dropDatabase(adminUrl, name) };
}

/**
 * Drops a test database once its sessions are gone. `pool.end()` resolves as soon as it has asked
 * its connections to close, before the server has closed them; `DROP DATABASE ... WITH (FORCE)`
 * at that moment terminates them, and node-postgres reports "terminating connection due to
 * administrator command" as an `error` event on the pool that was just ended. A plain
 * DROP waits (in the server, up to 5 s) for such sessions to exit; only sessions still open
 * after that, which a test forgot to close, are terminated, and they are named in a warning.
 */
async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  await admin(adminUrl, async (client) => {
    const database = client.escapeIdentifier(name);
    try {
      await client.query(`DROP DATABASE IF EXISTS ${database}`);
    } catch (error) {
      if ((error as { code?: string }).code !== OBJECT_IN_USE) throw error;
      const { rows } = await client.query<{ pid: number; application_name: string; state: string | null; query: string }>(
        "SELECT pid, application_name, state, left(query, 200) AS query FROM pg_stat_activity WHERE datname = $1",
        [name],
      );
      quietLogger.warn("test database still had open connections when dropped; terminating them", {
        database: name,
        sessions: rows,
      });
      await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    }
  });
}

/** SQLSTATE of "database is being accessed by other users". */
const OBJECT_IN_USE = "55006";

async function admin(url: string, run: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: url, application_name: "wharf-test-admin" });
  client.on("error", (error) => quietLogger.error("test database admin connection failed", { error: error.message }));
  await client.connect();
  try {
    await run(client);
  } finally {
    await client.end();
  }
}

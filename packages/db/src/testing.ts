import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";

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
  return {
    url: url.toString(),
    drop: () =>
      admin(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`)),
  };
}

async function admin(url: string, run: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await run(client);
  } finally {
    await client.end();
  }
}

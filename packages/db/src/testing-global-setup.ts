import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "./embedded";
import { quietLogger } from "./logger";
import { migrate } from "./migrate";
import "./testing";

/**
 * vitest global setup: one PostgreSQL server for the whole run — `WHARF_TEST_DATABASE_URL` when
 * set (a URL whose user may create databases), else an embedded one in a temp dir on a free port —
 * and one migrated template database that `createTestDatabase()` copies for each test file.
 */
export async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = performance.now();
  const external = process.env.WHARF_TEST_DATABASE_URL;
  let adminUrl: string;
  let stopServer: () => Promise<void>;
  if (external) {
    adminUrl = external;
    stopServer = async () => undefined;
  } else {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "wharf-test-pg-"));
    const server = await startEmbeddedPostgres({
      dataDir,
      database: "postgres",
      fastInit: true,
      settings: { fsync: "off", synchronous_commit: "off", full_page_writes: "off", max_connections: "400" },
      log: quietLogger,
    });
    adminUrl = server.adminUrl;
    stopServer = async () => {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    };
  }

  const template = `wharf_template_${process.pid}`;
  const templateUrl = new URL(adminUrl);
  templateUrl.pathname = `/${template}`;
  await adminQuery(adminUrl, (c) => `DROP DATABASE IF EXISTS ${c.escapeIdentifier(template)} WITH (FORCE)`);
  await adminQuery(adminUrl, (c) => `CREATE DATABASE ${c.escapeIdentifier(template)}`);
  await migrate(templateUrl.toString());
  project.provide("wharfTestAdminUrl", adminUrl);
  project.provide("wharfTestTemplate", template);
  if (process.env.WHARF_TEST_VERBOSE) {
    console.info(`[wharf/db] test PostgreSQL ready in ${Math.round(performance.now() - started)} ms`);
  }

  return async () => {
    try {
      await adminQuery(adminUrl, (c) => `DROP DATABASE IF EXISTS ${c.escapeIdentifier(template)} WITH (FORCE)`);
    } finally {
      await stopServer();
    }
  };
}

async function adminQuery(url: string, sql: (client: pg.Client) => string): Promise<void> {
  const client = new pg.Client({ connectionString: url, application_name: "wharf-test-admin" });
  client.on("error", (error) => quietLogger.error("test server admin connection failed", { error: error.message }));
  await client.connect();
  try {
    await client.query(sql(client));
  } finally {
    await client.end();
  }
}

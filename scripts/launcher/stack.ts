import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { ensureAccessToken, tokenPath, writeLauncherStatus } from "@wharf/api/launcher";
import { assertReachable, migrate, redactUrl, resolveDatabase, wharfHome, type Logger } from "@wharf/db/server";
import { reapAgentsOf } from "./agents";
import { waitForHealth } from "./health";
import { assertPortFree } from "./port";
import { Supervisor, type ProcessKeepsExitingError, type RestartPolicy, type SupervisorOptions } from "./supervisor";

const execFileAsync = promisify(execFile);

/**
 * Node flags of the long-running processes (web and runner). A small young generation (1 MiB
 * semi-spaces instead of up to 16) keeps about 20 MiB less resident per process, with more
 * frequent, shorter scavenges; the event figures of `./wharf bench` (dispatch, flood,
 * throughput) are unchanged by it (measured at 16, 4 and 1 MiB).
 */
export const serverNodeFlags = ["--max-semi-space-size=1"];

/** Start-up was asked to stop (`signal` aborted); what had started is stopped again. */
export class StartAbortedError extends Error {
  constructor() {
    super("start-up was stopped before Wharf was up");
    this.name = "StartAbortedError";
  }
}

/** Something the stack needs is missing; the message says how to get it. */
export class StackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StackError";
  }
}

export type StackOptions = {
  /** The repository root (holds apps/web and apps/runner). */
  root: string;
  /** Base environment for the children; DATABASE_URL and WHARF_HOME here choose the database and data dir. */
  env: NodeJS.ProcessEnv;
  host: string;
  port: number;
  runnerConcurrency?: number;
  /**
   * Whether this host also runs a runner (default true). `./wharf start --no-runner` is the web
   * server alone, a board whose tasks run on other hosts (`./wharf runner`, see startRunnerHost).
   */
  runner?: boolean;
  /** Receives every line: children's output with their name, and the launcher's own notices as "wharf". */
  log: (source: string, line: string) => void;
  healthTimeoutMs?: number;
  restart?: Partial<RestartPolicy>;
  /** Aborting stops start-up at the next step; `startStack` then stops what it started and rejects with StartAbortedError. */
  signal?: AbortSignal;
  /** Aborting makes any stop under way (or later) fast: SIGKILL to web and runner, an immediate database shutdown. */
  force?: AbortSignal;
  /** Time between SIGTERM and SIGKILL for web and runner (default 4 s). */
  stopTimeoutMs?: number;
};

export type Stack = {
  url: string;
  home: string;
  token: string;
  tokenCreated: boolean;
  tokenFile: string;
  databaseUrl: string;
  embeddedDatabase: boolean;
  /**
   * Resolves if the web server keeps dying after start; the caller should then stop the stack. A
   * runner that keeps dying does not end the stack: the board serves on and health.check says so.
   */
  failed: Promise<ProcessKeepsExitingError>;
  /** Stops the runner and the web server (and the runner's agents), then the embedded database. */
  stop(): Promise<void>;
};

/**
 * What listening on `host` exposes: loopback only, every interface (0.0.0.0, ::), or one named
 * address. `urlHost` is how this machine reaches the server; a named address (127.0.0.2, a LAN
 * address) is also a name the web server must answer for, so the launcher adds it to
 * WHARF_ALLOWED_HOSTS.
 */
export function listenExposure(host: string): { kind: "loopback" | "wildcard" | "address"; urlHost: string; name: string } {
  const bare = host.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  const bracket = (h: string) => (h.includes(":") ? `[${h}]` : h);
  if (bare === "localhost" || bare === "::1" || /^127\./.test(bare)) return { kind: "loopback", urlHost: bracket(bare), name: bracket(bare) };
  if (bare === "0.0.0.0") return { kind: "wildcard", urlHost: "127.0.0.1", name: bare };
  if (bare === "::" || bare === "0:0:0:0:0:0:0:0") return { kind: "wildcard", urlHost: "[::1]", name: bare };
  return { kind: "address", urlHost: bracket(bare), name: bracket(bare) };
}

/** @wharf/db's logger interface, writing one line per message. */
function lineLogger(write: (line: string) => void): Logger {
  const format = (level: string, message: string, fields?: object) =>
    write(`${level === "info" ? "" : `${level}: `}${message}${fields && Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : ""}`);
  return {
    info: (message, fields) => format("info", message, fields),
    warn: (message, fields) => format("warn", message, fields),
    error: (message, fields) => format("error", message, fields),
  };
}

function locateWeb(root: string) {
  const webDir = path.join(root, "apps", "web");
  if (!existsSync(path.join(webDir, ".next", "BUILD_ID"))) {
    throw new StackError(`The web app has no production build in ${webDir}/.next. Run ./wharf start (it builds) or pnpm --filter @wharf/web build.`);
  }
  // The standalone server of the build (output: "standalone"), with its static assets.
  const webServer = path.join(webDir, ".next", "standalone", path.relative(root, webDir), "server.js");
  if (!existsSync(webServer) || !existsSync(path.join(path.dirname(webServer), ".next", "static"))) {
    throw new StackError(`The web app's build has no standalone server at ${webServer}. Run ./wharf start (it builds) or pnpm --filter @wharf/web build.`);
  }
  return webServer;
}

function locateRunner(root: string) {
  const runnerDir = path.join(root, "apps", "runner");
  const runnerBuild = path.join(runnerDir, "scripts", "build.mjs");
  if (!existsSync(runnerBuild)) throw new StackError(`The runner's build script ${runnerBuild} is missing.`);
  return { runnerDir, runnerBuild, runnerMain: path.join(runnerDir, "dist", "main.mjs") };
}

/**
 * A runner-only host works against another host's database: DATABASE_URL must be set and the
 * database must answer, or start-up stops here with what to set.
 */
async function checkRunnerDatabase(env: NodeJS.ProcessEnv): Promise<string> {
  const url = env.DATABASE_URL;
  if (!url) {
    throw new StackError(
      "A runner alone needs the fleet's database: set DATABASE_URL to the PostgreSQL the web host uses " +
        "(e.g. DATABASE_URL=postgres://wharf:PASSWORD@db-host:5432/wharf ./wharf runner). See \"Scaling out\" in README.md.",
    );
  }
  try {
    await assertReachable(url);
  } catch (error) {
    throw new StackError(
      `The database at DATABASE_URL (${redactUrl(url)}) cannot be reached: ${(error as Error).message}. ` +
        "Check DATABASE_URL, that PostgreSQL listens on an address this host can reach (listen_addresses, pg_hba.conf) and that no firewall blocks its port.",
    );
  }
  return url;
}

/**
 * Builds the runner into dist/main.mjs (esbuild, well under a second), so it always runs the
 * current sources and runs on plain Node: no TypeScript loader in the long-running process.
 */
async function buildRunner(runnerBuild: string, cwd: string, signal: AbortSignal | undefined): Promise<void> {
  try {
    await execFileAsync(process.execPath, [runnerBuild], { cwd, ...(signal ? { signal } : {}) });
  } catch (error) {
    if (signal?.aborted) throw new StartAbortedError();
    const detail = (error as { stderr?: string }).stderr?.trim() || (error as Error).message;
    throw new StackError(`Building the runner failed (${detail}). Run ./wharf start, which installs what it needs, or pnpm --filter @wharf/runner build to see why.`);
  }
}

/**
 * Starts Wharf: the database (DATABASE_URL or the embedded PostgreSQL), migrations, the access
 * token, then the web server and one runner under supervision. Resolves once the web server answers
 * `health.check`. It can be stopped at any step (`signal`): on abort or any failure everything
 * already started is stopped again, in the reverse order of start.
 */
export async function startStack(opts: StackOptions): Promise<Stack> {
  const withRunner = opts.runner ?? true;
  const note = (line: string) => opts.log("wharf", line);
  const force = opts.force;
  // Stop steps in start order; run last to first. Web and runner are one step (they start together).
  const stopSteps: Array<() => Promise<void>> = [];
  let stopping: Promise<void> | null = null;
  const stopAll = () =>
    (stopping ??= (async () => {
      for (const step of stopSteps.splice(0).reverse()) await step();
    })());
  const checkAbort = () => {
    if (opts.signal?.aborted) throw new StartAbortedError();
  };

  try {
    const webServer = locateWeb(opts.root);
    const { runnerDir, runnerBuild, runnerMain } = locateRunner(opts.root);
    await assertPortFree(opts.host, opts.port);
    checkAbort();
    if (withRunner) await buildRunner(runnerBuild, runnerDir, opts.signal);
    checkAbort();

    const home = wharfHome(opts.env);
    const dbLog = lineLogger((line) => opts.log("db", line));
    // Not abortable half-way; a stop that arrives meanwhile stops it as soon as it is up.
    const database = await resolveDatabase(opts.env, { log: dbLog });
    stopSteps.push(async () => {
      const immediate = () => void database.stop({ immediate: true });
      force?.addEventListener("abort", immediate, { once: true });
      try {
        await database.stop({ immediate: force?.aborted ?? false });
      } finally {
        force?.removeEventListener("abort", immediate);
      }
    });
    note(database.embedded ? `embedded PostgreSQL is up (data in ${home})` : "using the PostgreSQL at DATABASE_URL");
    checkAbort();
    const { applied } = await migrate(database.url, dbLog);
    if (applied.length > 0) note(`applied migrations: ${applied.join(", ")}`);
    checkAbort();
    const { token, created } = ensureAccessToken(home);
    writeLauncherStatus(home, { problems: [] });

    const exposure = listenExposure(opts.host);
    if (exposure.kind !== "loopback") {
      note(
        `WHARF_HOST=${opts.host}: the web server is reachable from other machines. Every request still needs the access token; ` +
          `browsers elsewhere must open it by a name listed in WHARF_ALLOWED_HOSTS.`,
      );
    }
    const childEnv: NodeJS.ProcessEnv = {
      ...opts.env,
      ...(exposure.kind !== "wildcard" ? { WHARF_ALLOWED_HOSTS: [opts.env.WHARF_ALLOWED_HOSTS, exposure.name].filter(Boolean).join(",") } : {}),
      DATABASE_URL: database.url,
      WHARF_HOME: home,
      NEXT_TELEMETRY_DISABLED: "1",
      ...(opts.runnerConcurrency ? { WHARF_RUNNER_CONCURRENCY: String(opts.runnerConcurrency) } : {}),
    };
    const supervise = supervisorFactory(opts);
    // The standalone server reads its address from HOSTNAME and PORT.
    const web = supervise("web", [...serverNodeFlags, webServer], path.dirname(webServer), {
      ...childEnv,
      HOSTNAME: opts.host,
      PORT: String(opts.port),
      // Node closes an idle kept-alive connection after 5 s, racing a client that reuses it at that
      // moment (the client sees ECONNRESET); 65 s is longer than browsers and scripts keep them.
      KEEP_ALIVE_TIMEOUT: "65000",
    });
    // A wildcard address is reached here through loopback, which the web server always answers.
    const url = `http://${exposure.urlHost}:${opts.port}`;
    // The runner gives agents Wharf's MCP server, which reaches this web server at WHARF_URL.
    const runner = withRunner ? superviseRunner(supervise, runnerMain, runnerDir, { ...childEnv, WHARF_URL: url }, note) : null;
    stopSteps.push(async () => {
      await Promise.all([web.stop(force ? { force } : {}), runner?.stop(force ? { force } : {})]);
    });
    if (runner) void runner.gaveUp.then((error) => reportRunnerGaveUp(home, error, note));
    else note("no runner on this host (--no-runner): tasks wait for a runner started elsewhere with ./wharf runner");

    const startup = new AbortController();
    const healthSignal = opts.signal ? AbortSignal.any([opts.signal, startup.signal]) : startup.signal;
    const healthy = waitForHealth({ baseUrl: url, token, timeoutMs: opts.healthTimeoutMs ?? 60_000, signal: healthSignal });
    const outcome = await Promise.race([healthy.then(() => null), web.gaveUp]).catch((error: unknown) => {
      if (opts.signal?.aborted) throw new StartAbortedError();
      throw error;
    });
    if (outcome) {
      startup.abort();
      await healthy.catch((error: unknown) => note(`health check stopped: ${(error as Error).message}`));
      throw outcome;
    }
    checkAbort();

    return {
      url,
      home,
      token,
      tokenCreated: created,
      tokenFile: tokenPath(home),
      databaseUrl: database.url,
      embeddedDatabase: database.embedded,
      failed: web.gaveUp,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll().catch((stopError: unknown) => note(`stopping after a failed start also failed: ${(stopError as Error).message}`));
    throw error;
  }
}

type Supervise = (name: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, extra?: Partial<SupervisorOptions>) => Supervisor;

function supervisorFactory(opts: Pick<StackOptions, "log" | "restart" | "stopTimeoutMs">): Supervise {
  return (name, args, cwd, env, extra = {}) => {
    const supervisor = new Supervisor({
      name,
      command: process.execPath,
      args,
      cwd,
      env,
      onLine: (line) => opts.log(name, line),
      onNotice: (line) => opts.log("wharf", line),
      ...(opts.restart ? { restart: opts.restart } : {}),
      ...(opts.stopTimeoutMs ? { stopTimeoutMs: opts.stopTimeoutMs } : {}),
      ...extra,
    });
    supervisor.start();
    return supervisor;
  };
}

/** Whenever a runner exits (crash, SIGKILL, stop), the agents it started are stopped too. */
function superviseRunner(supervise: Supervise, runnerMain: string, runnerDir: string, env: NodeJS.ProcessEnv, note: (line: string) => void): Supervisor {
  return supervise("runner", [...serverNodeFlags, runnerMain], runnerDir, env, {
    afterExit: async (child) => {
      await reapAgentsOf(child, AGENT_GRACE_MS, note);
    },
  });
}

export type RunnerHostOptions = Pick<StackOptions, "root" | "env" | "runnerConcurrency" | "log" | "restart" | "signal" | "force" | "stopTimeoutMs">;

export type RunnerHost = {
  home: string;
  /** Resolves if the runner keeps dying: a runner-only host has nothing else to do, the caller stops. */
  failed: Promise<ProcessKeepsExitingError>;
  stop(): Promise<void>;
};

/**
 * `./wharf runner`: a runner alone, joining the database of a Wharf started elsewhere (DATABASE_URL
 * is required; no embedded database, no web server, no access token). Migrations are applied as
 * `./wharf start` does (under the same advisory lock), so a runner of newer code brings the
 * schema along and one of older code refuses with the migration it does not know.
 */
export async function startRunnerHost(opts: RunnerHostOptions): Promise<RunnerHost> {
  const note = (line: string) => opts.log("wharf", line);
  const { runnerDir, runnerBuild, runnerMain } = locateRunner(opts.root);
  const url = await checkRunnerDatabase(opts.env);
  if (opts.signal?.aborted) throw new StartAbortedError();
  await buildRunner(runnerBuild, runnerDir, opts.signal);
  const { applied } = await migrate(url, lineLogger((line) => opts.log("db", line)));
  if (applied.length > 0) note(`applied migrations: ${applied.join(", ")}`);
  if (opts.signal?.aborted) throw new StartAbortedError();
  note(`joining the database at ${redactUrl(url)}`);
  const home = wharfHome(opts.env);
  const env: NodeJS.ProcessEnv = {
    ...opts.env,
    WHARF_HOME: home,
    ...(opts.runnerConcurrency ? { WHARF_RUNNER_CONCURRENCY: String(opts.runnerConcurrency) } : {}),
  };
  const runner = superviseRunner(supervisorFactory(opts), runnerMain, runnerDir, env, note);
  let stopping: Promise<void> | null = null;
  return {
    home,
    failed: runner.gaveUp,
    stop: () => (stopping ??= runner.stop(opts.force ? { force: opts.force } : {})),
  };
}

/** How long a dead runner's agents get between SIGTERM and SIGKILL. */
const AGENT_GRACE_MS = 1_000;

/**
 * The runner keeps dying: the board stays up (people can still read, review and apply), the
 * failure is logged and written where health.check reads it.
 */
function reportRunnerGaveUp(home: string, error: ProcessKeepsExitingError, note: (line: string) => void): void {
  const message =
    `${error.message} No task will run until Wharf is restarted; the board keeps serving. ` +
    `Fix the cause shown in the runner's output, then restart ./wharf start.`;
  note(`RUNNER STOPPED: ${message}`);
  try {
    writeLauncherStatus(home, { problems: [{ process: "runner", message, since: new Date().toISOString() }] });
  } catch (writeError) {
    note(`could not record the runner failure for health.check: ${(writeError as Error).message}`);
  }
}

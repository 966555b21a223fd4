import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { appRouter, createCallerFactory, createServices, createTRPCContext, ensureAccessToken, type Services } from "@wharf/api";
import { restingTaskStates, type TaskState } from "@wharf/api/schemas";
import { migrate, startEmbeddedPostgres } from "@wharf/db";
import type { BenchEnv } from "./env";
import { childPids } from "./procs";
import { ListenTap, SubscriptionTap, type Tap } from "./tap";
import { serverNodeFlags } from "@wharf/scripts/launcher";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** A runner started as its own process, as `./wharf start` runs it (`node apps/runner/dist/main.mjs`). */
export type RunnerProcess = { pid: number; concurrency: number; stop(): Promise<void> };

class BenchSetupError extends Error {
  override readonly name = "BenchSetupError";
  constructor(
    message: string,
    readonly logFile: string,
  ) {
    super(`${message} (log: ${logFile})`);
  }
}

/** Ends a task turn: review/completed and every final state. */
const turnOver: readonly TaskState[] = restingTaskStates;
const isTurnOver = (state: string) => turnOver.includes(state as TaskState);

export type BenchStack = Awaited<ReturnType<typeof startBenchStack>>;

/**
 * The real parts: a fresh PostgreSQL database (embedded in a temp dir, or a new database on the
 * server of DATABASE_URL), migrations, the API as an in-process caller, and a subscriber.
 */
export async function startBenchStack(opts: {
  env: BenchEnv;
  log: (line: string) => void;
  profileDir?: string;
  subscriber: "trpc" | "listen";
  /** Run the runner from its TypeScript sources through tsx instead of its build (for comparisons). */
  runnerFromSource?: boolean;
}) {
  const { env } = opts;
  // The runner as `./wharf start` runs it: built into one module, run by plain Node.
  warmScriptedAgent();
  const runnerEntry = opts.runnerFromSource ? ["--import", "tsx", path.join(repoRoot, "apps/runner/src/main.ts")] : [...serverNodeFlags, buildRunner()];
  const dir = mkdtempSync(path.join(os.tmpdir(), "wharf-bench-"));
  const home = path.join(dir, "home");
  mkdirSync(home);
  const cleanups: Array<() => Promise<void>> = [];
  let databaseUrl: string;
  let databaseKind: string;
  /** The embedded server's processes (postmaster and backends); null for a server elsewhere. */
  let postgresPids: (() => number[]) | null = null;

  if (env.DATABASE_URL) {
    const serverUrl = env.DATABASE_URL;
    const base = new URL(serverUrl);
    const name = `wharf_bench_${Date.now().toString(36)}`;
    await admin(base.toString(), `CREATE DATABASE ${name}`);
    base.pathname = `/${name}`;
    databaseUrl = base.toString();
    databaseKind = "DATABASE_URL server (fresh database)";
    cleanups.push(() => admin(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  } else {
    const server = await startEmbeddedPostgres({ dataDir: path.join(dir, "postgres"), log: quiet });
    databaseUrl = server.url;
    databaseKind = "embedded PostgreSQL (default settings)";
    const pidFile = path.join(dir, "postgres", "postmaster.pid");
    postgresPids = () => {
      const postmaster = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
      return [postmaster, ...childPids(postmaster)];
    };
    cleanups.push(() => server.stop());
  }
  await migrate(databaseUrl);
  const { token } = ensureAccessToken(home);

  const services: Services = await createServices({ databaseUrl, poolSize: 10 });
  cleanups.push(() => services.close());
  const api = createCallerFactory(appRouter)(
    createTRPCContext({ services, headers: new Headers({ authorization: `Bearer ${token}` }), accessToken: token }),
  );
  let tap: Tap;
  if (opts.subscriber === "listen") {
    const listen = new ListenTap(databaseUrl);
    await listen.start();
    tap = listen;
  } else {
    tap = new SubscriptionTap(services, token);
  }
  cleanups.push(() => tap.close());
  const runners = new Set<RunnerProcess>();

  async function startRunner(runnerOpts: {
    concurrency: number;
    idleMs: number;
    sandbox?: "auto" | "off";
    /** The database as this runner reaches it (default: the stack's URL). */
    databaseUrl?: string;
    /** Starts the runner's command elsewhere (another network namespace); default: a plain child process. */
    launch?: (command: string[], opts: { cwd: string; env: Record<string, string> }) => ChildProcess;
  }): Promise<RunnerProcess> {
    const logFile = path.join(dir, `runner-${Date.now()}.log`);
    // With a profile directory the runner writes a V8 CPU profile there when it exits.
    const profileArgs = opts.profileDir ? ["--cpu-prof", `--cpu-prof-dir=${opts.profileDir}`] : [];
    const out = createWriteStream(logFile);
    const command = [process.execPath, ...profileArgs, ...runnerEntry];
    const launchOpts = {
      cwd: path.join(repoRoot, "apps/runner"),
      env: {
        PATH: env.PATH,
        ...(env.HOME ? { HOME: env.HOME } : {}),
        DATABASE_URL: runnerOpts.databaseUrl ?? databaseUrl,
        WHARF_HOME: home,
        WHARF_RUNNER_CONCURRENCY: String(runnerOpts.concurrency),
        WHARF_AGENT_IDLE_MS: String(runnerOpts.idleMs),
        WHARF_CANCEL_GRACE_MS: "1000",
        WHARF_SANDBOX: runnerOpts.sandbox ?? "auto",
      },
    };
    const child: ChildProcess = runnerOpts.launch
      ? runnerOpts.launch(command, launchOpts)
      : spawn(command[0]!, command.slice(1), { ...launchOpts, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout!.pipe(out);
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    await new Promise<void>((resolve, reject) => {
      let seen = "";
      let started = false;
      const timer = setTimeout(() => reject(new BenchSetupError("the runner did not start within 60 s", logFile)), 60_000);
      child.stderr!.on("data", (chunk: Buffer) => {
        out.write(chunk);
        if (started) return;
        seen = (seen + chunk.toString()).slice(-4000);
        if (seen.includes("runner started")) {
          started = true;
          clearTimeout(timer);
          resolve();
        }
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        if (!started) reject(new BenchSetupError(`the runner exited with code ${code} while starting`, logFile));
      });
    });
    const handle: RunnerProcess = {
      pid: child.pid!,
      concurrency: runnerOpts.concurrency,
      async stop() {
        runners.delete(handle);
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
        await exited;
        out.end();
      },
    };
    runners.add(handle);
    return handle;
  }

  let repos = 0;
  async function project(): Promise<string> {
    const repo = path.join(dir, `repo-${repos++}`);
    mkdirSync(repo);
    const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, stdio: "ignore" });
    git("init", "--quiet", "--initial-branch=main");
    writeFileSync(path.join(repo, "README.md"), "# bench\n");
    git("add", "README.md");
    git("-c", "user.name=Wharf Bench", "-c", "user.email=bench@wharf.invalid", "commit", "--quiet", "-m", "init");
    const created = await api.project.create({ path: repo });
    return created.id;
  }

  /** Creates a task and resolves when its turn is over, with the final state. */
  function waitTurnOver(taskId: string, timeoutMs = 120_000) {
    return tap.waitFor(taskId, (e) => e.event.type === "status" && isTurnOver(e.event.state), "the end of the turn", timeoutMs);
  }

  return {
    env,
    dir,
    home,
    token,
    databaseUrl,
    databaseKind,
    postgresPids,
    services,
    api,
    tap,
    startRunner,
    project,
    waitTurnOver,
    opts,
    async stop() {
      for (const runner of [...runners]) await runner.stop();
      for (const cleanup of cleanups.reverse()) {
        try {
          await cleanup();
        } catch (error) {
          console.error("[bench] cleanup step failed", error);
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const quiet = { info() {}, warn: (m: string, f?: object) => console.error(m, f ?? ""), error: (m: string, f?: object) => console.error(m, f ?? "") };

async function admin(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * Starts the scripted test agent once outside the sandbox, so that the compile cache beside its
 * package (which sandboxed agents read but cannot write) holds its code: a benchmark measures
 * Wharf, not the test agent compiling its TypeScript again in every task.
 */
function warmScriptedAgent(): void {
  execFileSync(process.execPath, [path.join(repoRoot, "packages/test-agent/bin/wharf-test-agent.mjs")], { stdio: ["ignore", "ignore", "inherit"] });
}

/** Builds apps/runner/dist/main.mjs (a fraction of a second) and returns its path. */
function buildRunner(): string {
  execFileSync(process.execPath, [path.join(repoRoot, "apps/runner/scripts/build.mjs")], { stdio: "inherit" });
  return path.join(repoRoot, "apps/runner/dist/main.mjs");
}

/** A prompt that the scripted test agent runs as a scenario. */
export function scenario(value: unknown): string {
  return `Bench run.\n\`\`\`scenario\n${JSON.stringify(value)}\n\`\`\``;
}

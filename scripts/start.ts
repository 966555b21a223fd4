// The launcher behind `./wharf start` (database, migrations, token, web + runner, until a signal),
// `./wharf start --no-runner` (the same without the runner) and `./wharf runner` (a runner alone,
// against DATABASE_URL). Built into one module (scripts/dist/launcher.mjs, see launcher/build.mjs)
// and run with plain Node; the role comes as its one argument (--role=all|web|runner).
import path from "node:path";
import { LauncherEnvError, parseLauncherEnv, parseRole, StartAbortedError, startRunnerHost, startStack, type RunnerHost, type Stack } from "./launcher";

const STOP_SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
const stopRequested = new AbortController();
const forceRequested = new AbortController();
let signalsSeen = 0;
let what = "web and runner";
let stack: Pick<Stack, "stop"> | null = null;

function log(source: string, line: string): void {
  process.stdout.write(`${source.padEnd(6)} | ${line}\n`);
}

function onStopSignal(signal: NodeJS.Signals): void {
  signalsSeen += 1;
  if (signalsSeen === 1) {
    log("wharf", `${signal} received; stopping ${what}, then the database (again to stop at once)`);
    stopRequested.abort();
    if (stack) void shutdown(stack, 0);
  } else if (signalsSeen === 2) {
    log("wharf", `second ${signal}: killing web, runner and agents now, then an immediate database shutdown`);
    forceRequested.abort();
  }
}

// Only this handler decides what a stop signal does. The embedded PostgreSQL package installs its
// own (stop the database, exit at once) when it is loaded, which would leave web and runner running:
// every other listener on these signals is removed as soon as it is added.
for (const signal of STOP_SIGNALS) process.on(signal, onStopSignal);
process.on("newListener", (event, listener) => {
  if (typeof event === "string" && (STOP_SIGNALS as readonly string[]).includes(event) && listener !== onStopSignal) {
    queueMicrotask(() => process.off(event, listener as (...args: unknown[]) => void));
  }
});

function fail(error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`wharf: ${message}\n`);
  if (!(error instanceof Error) || error.name === "Error") console.error(error);
  process.exit(1);
}

let shuttingDown: Promise<never> | null = null;
function shutdown(running: Pick<Stack, "stop">, code: number): Promise<never> {
  return (shuttingDown ??= (async () => {
    log("wharf", "stopping…");
    try {
      await running.stop();
    } catch (error) {
      log("wharf", `stopping failed: ${(error as Error).message}`);
      process.exit(1);
    }
    log("wharf", "stopped");
    process.exit(code);
  })());
}

let env;
let role;
try {
  env = parseLauncherEnv(process.env);
  role = parseRole(process.argv.slice(2));
  what = { all: "web and runner", web: "the web server", runner: "the runner" }[role];
} catch (error) {
  if (error instanceof LauncherEnvError) fail(error);
  throw error;
}

/** Runs a start-up; a stop asked for during it ends the process quietly, any other failure as `fail` says. */
async function startOrExit<T>(start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    if (error instanceof StartAbortedError) {
      log("wharf", "stopped");
      process.exit(0);
    }
    fail(error);
  }
}

if (role === "runner") {
  const host: RunnerHost = await startOrExit(() =>
    startRunnerHost({
      root: path.resolve(import.meta.dirname, ".."),
      env: process.env,
      ...(env.runnerConcurrency ? { runnerConcurrency: env.runnerConcurrency } : {}),
      log,
      signal: stopRequested.signal,
      force: forceRequested.signal,
    }),
  );
  stack = host;
  if (stopRequested.signal.aborted) await shutdown(host, 0);
  process.stdout.write(`\n  A Wharf runner is running (data in ${host.home}); its tasks show on the board of the web host. Press Ctrl-C to stop.\n\n`);
  const error = await host.failed;
  log("wharf", error.message);
  await shutdown(host, 1);
}

const web: Stack = await startOrExit(() =>
  startStack({
    root: path.resolve(import.meta.dirname, ".."),
    env: process.env,
    host: env.host,
    port: env.port,
    ...(env.runnerConcurrency ? { runnerConcurrency: env.runnerConcurrency } : {}),
    runner: role === "all",
    log,
    signal: stopRequested.signal,
    force: forceRequested.signal,
  }),
);
stack = web;
if (stopRequested.signal.aborted) await shutdown(web, 0);

const tokenLine = web.tokenCreated
  ? `Access token (new; shown only now, stored in ${web.tokenFile}):\n    ${web.token}`
  : `Access token: stored in ${web.tokenFile}`;
process.stdout.write(
  `\n  Wharf is running at ${web.url}${role === "web" ? " (no runner here: start runners with ./wharf runner)" : ""}\n  ${tokenLine}\n  Scripts send it as "Authorization: Bearer <token>". Press Ctrl-C to stop.\n\n`,
);

const error = await web.failed;
log("wharf", error.message);
await shutdown(web, 1);

// The launcher behind `./wharf start`: database, migrations, token, web + runner, until a signal.
// Built into one module (scripts/dist/launcher.mjs, see launcher/build.mjs) and run with plain Node.
import path from "node:path";
import { LauncherEnvError, parseLauncherEnv, StartAbortedError, startStack, type Stack } from "./launcher";

const STOP_SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
const stopRequested = new AbortController();
const forceRequested = new AbortController();
let signalsSeen = 0;
let stack: Stack | null = null;

function log(source: string, line: string): void {
  process.stdout.write(`${source.padEnd(6)} | ${line}\n`);
}

function onStopSignal(signal: NodeJS.Signals): void {
  signalsSeen += 1;
  if (signalsSeen === 1) {
    log("wharf", `${signal} received; stopping web and runner, then the database (again to stop at once)`);
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
function shutdown(running: Stack, code: number): Promise<never> {
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
try {
  env = parseLauncherEnv(process.env);
} catch (error) {
  if (error instanceof LauncherEnvError) fail(error);
  throw error;
}

try {
  stack = await startStack({
    root: path.resolve(import.meta.dirname, ".."),
    env: process.env,
    host: env.host,
    port: env.port,
    ...(env.runnerConcurrency ? { runnerConcurrency: env.runnerConcurrency } : {}),
    log,
    signal: stopRequested.signal,
    force: forceRequested.signal,
  });
} catch (error) {
  if (error instanceof StartAbortedError) {
    log("wharf", "stopped");
    process.exit(0);
  }
  fail(error);
}

if (stopRequested.signal.aborted) await shutdown(stack, 0);

const tokenLine = stack.tokenCreated
  ? `Access token (new; shown only now, stored in ${stack.tokenFile}):\n    ${stack.token}`
  : `Access token: stored in ${stack.tokenFile}`;
process.stdout.write(
  `\n  Wharf is running at ${stack.url}\n  ${tokenLine}\n  Scripts send it as "Authorization: Bearer <token>". Press Ctrl-C to stop.\n\n`,
);

const error = await stack.failed;
log("wharf", error.message);
await shutdown(stack, 1);

// The launcher behind `./wharf start`: database, migrations, token, web + runner, until a signal.
import path from "node:path";
import { LauncherEnvError, parseLauncherEnv, startStack, type Stack } from "./launcher";

const root = path.resolve(import.meta.dirname, "..");

function log(source: string, line: string): void {
  process.stdout.write(`${source.padEnd(6)} | ${line}\n`);
}

function fail(error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`wharf: ${message}\n`);
  if (!(error instanceof Error) || error.name === "Error") console.error(error);
  process.exit(1);
}

let env;
try {
  env = parseLauncherEnv(process.env);
} catch (error) {
  if (error instanceof LauncherEnvError) fail(error);
  throw error;
}

let stack: Stack | null = null;
let stopRequested: NodeJS.Signals | null = null;

async function shutdown(code: number): Promise<never> {
  if (stack) {
    log("wharf", "stopping…");
    try {
      await stack.stop();
    } catch (error) {
      log("wharf", `stopping failed: ${(error as Error).message}`);
      process.exit(1);
    }
  }
  log("wharf", "stopped");
  process.exit(code);
}

const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

function onStopSignal(signal: NodeJS.Signals): void {
  if (stopRequested) {
    log("wharf", `second ${signal}: exiting now; child processes may still be running`);
    process.exit(1);
  }
  stopRequested = signal;
  if (stack) void shutdown(0);
  else log("wharf", `${signal} received; stopping as soon as start-up ends`);
}

for (const signal of STOP_SIGNALS) process.on(signal, onStopSignal);

try {
  stack = await startStack({
    root,
    env: process.env,
    host: env.host,
    port: env.port,
    ...(env.runnerConcurrency ? { runnerConcurrency: env.runnerConcurrency } : {}),
    log,
  });
} catch (error) {
  fail(error);
}

// The embedded PostgreSQL package hooks these signals to stop its server and exit at once; the
// launcher stops the database itself, after the processes that use it.
for (const signal of STOP_SIGNALS) {
  for (const listener of process.listeners(signal)) {
    if (listener !== onStopSignal) process.off(signal, listener);
  }
}

if (stopRequested) await shutdown(0);

const tokenLine = stack.tokenCreated
  ? `Access token (new; shown only now, stored in ${stack.tokenFile}):\n    ${stack.token}`
  : `Access token: stored in ${stack.tokenFile}`;
process.stdout.write(
  `\n  Wharf is running at ${stack.url}\n  ${tokenLine}\n  Scripts send it as "Authorization: Bearer <token>". Press Ctrl-C to stop.\n\n`,
);

const error = await stack.failed;
log("wharf", error.message);
await shutdown(1);

import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { findFreePort, startStack } from "@wharf/scripts/launcher";

const root = path.resolve(import.meta.dirname, "..");

/**
 * Starts the real stack (embedded PostgreSQL in a temp WHARF_HOME, web, runner) the way
 * `./wharf start` does, on a free port. The children's output goes to e2e/logs/stack.log.
 */
export default async function globalSetup() {
  const home = mkdtempSync(path.join(os.tmpdir(), "wharf-e2e-"));
  const port = await findFreePort();
  const env: NodeJS.ProcessEnv = { ...process.env, WHARF_HOME: home };
  // The tests bring their own database; never the machine's.
  delete env.DATABASE_URL;

  const logDir = path.join(import.meta.dirname, "logs");
  mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, "stack.log");
  const logStream = createWriteStream(logFile);
  // The last lines go into the error when the stack does not start, so CI output shows why.
  const tail: string[] = [];
  const log = (source: string, line: string) => {
    const text = `${source.padEnd(6)} | ${line}`;
    logStream.write(`${text}\n`);
    tail.push(text);
    if (tail.length > 40) tail.shift();
  };

  let stack;
  try {
    stack = await startStack({ root, env, host: "127.0.0.1", port, log, healthTimeoutMs: 90_000 });
  } catch (error) {
    logStream.end();
    rmSync(home, { recursive: true, force: true });
    throw new Error(
      `The stack did not start: ${(error as Error).message}\nLast lines of ${logFile}:\n${tail.join("\n")}`,
      { cause: error },
    );
  }
  process.env.WHARF_E2E_URL = stack.url;
  process.env.WHARF_E2E_TOKEN = stack.token;
  // Browsers sign in with the session cookie; every test context starts signed in.
  const storage = path.join(home, "e2e-storage.json");
  writeFileSync(storage, JSON.stringify(sessionStorageState(stack.url, stack.token)));
  process.env.WHARF_E2E_STORAGE = storage;
  console.log(`e2e: Wharf is up at ${stack.url} (log: ${logFile})`);

  return async () => {
    try {
      await stack.stop();
    } finally {
      logStream.end();
      rmSync(home, { recursive: true, force: true });
    }
  };
}

/** A Playwright storage state holding Wharf's session cookie for `url`. */
export function sessionStorageState(url: string, token: string) {
  const { hostname } = new URL(url);
  return {
    cookies: [{ name: "wharf_session", value: encodeURIComponent(token), domain: hostname, path: "/", expires: -1, httpOnly: true, secure: false, sameSite: "Strict" as const }],
    origins: [],
  };
}

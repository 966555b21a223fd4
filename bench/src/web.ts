import { spawn } from "node:child_process";
import { createWriteStream, existsSync } from "node:fs";
import path from "node:path";
import { findFreePort, serverNodeFlags, waitForHealth } from "@wharf/scripts/launcher";
import { repoRoot, type BenchStack } from "./stack";

export type WebProcess = { pid: number; url: string; stop(): Promise<void> };

const webDir = path.join(repoRoot, "apps/web");

/** Whether the web app has a production build (with the given route, when one is named). */
export function webBuilt(route?: string): boolean {
  if (!existsSync(path.join(webDir, ".next", "BUILD_ID")) || !existsSync(webServer)) return false;
  return route ? existsSync(path.join(webDir, ".next", "server", "app", route)) : true;
}

/** The standalone server of the web build, as `./wharf start` runs it. */
const webServer = path.join(webDir, ".next", "standalone", path.relative(repoRoot, webDir), "server.js");

/** The web server on a free port against the bench's database, as `./wharf start` runs it. */
export async function startWeb(stack: BenchStack): Promise<WebProcess> {
  if (!existsSync(webServer)) throw new Error(`no standalone web server at ${webServer}: build the web app (pnpm --filter @wharf/web build)`);
  const port = await findFreePort("127.0.0.1");
  const log = createWriteStream(path.join(stack.dir, `web-${port}.log`));
  const web = spawn(process.execPath, [...serverNodeFlags, webServer], {
    cwd: path.dirname(webServer),
    env: {
      PATH: stack.env.PATH,
      ...(stack.env.HOME ? { HOME: stack.env.HOME } : {}),
      DATABASE_URL: stack.databaseUrl,
      WHARF_HOME: stack.home,
      NEXT_TELEMETRY_DISABLED: "1",
      HOSTNAME: "127.0.0.1",
      PORT: String(port),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  web.stdout.pipe(log);
  web.stderr.pipe(log);
  const exited = new Promise<void>((resolve) => web.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (web.exitCode === null && web.signalCode === null) web.kill("SIGTERM");
    await exited;
    log.end();
  };
  try {
    await waitForHealth({ baseUrl: url, token: stack.token, timeoutMs: 60_000 });
  } catch (error) {
    await stop();
    throw error;
  }
  return { pid: web.pid!, url, stop };
}

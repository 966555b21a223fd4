import { spawn, execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import { appRouter, createServices, createTRPCContext, MAX_BATCH_SIZE, MAX_REQUEST_BYTES, readAccessToken, rotateAccessToken, type Services } from "@wharf/api";
import { createTestDatabase } from "@wharf/db/testing";

export const TEST_TOKEN = "wharf_test_token_client_0123456789abcdefghij";

export type TestWharf = Awaited<ReturnType<typeof startTestWharf>>;

const runnerDir = realpathSync(fileURLToPath(new URL("../../node_modules/@wharf/runner", import.meta.url)));

/**
 * Wharf for client tests: a fresh database, the API served over real HTTP (tRPC's Node adapter
 * on `node:http`, SSE included) and a runner as a child process. `home` holds the token file,
 * `TEST_TOKEN` until a test rotates it. `database` replaces the fresh test database (a test that
 * restarts its own PostgreSQL); `runnerEnv` adds to the runner's environment (e.g. WHARF_SANDBOX).
 */
export async function startTestWharf(opts: { database?: { url: string; drop(): Promise<void> }; runnerEnv?: Record<string, string> } = {}) {
  const db = opts.database ?? (await createTestDatabase());
  const home = mkdtempSync(path.join(os.tmpdir(), "wharf-client-home-"));
  writeFileSync(path.join(home, "token"), `${TEST_TOKEN}\n`, { mode: 0o600 });
  const services: Services = await createServices({ databaseUrl: db.url, poolSize: 4 });
  const handler = createHTTPHandler({
    router: appRouter,
    basePath: "/api/trpc/",
    // The web server's limits.
    maxBatchSize: MAX_BATCH_SIZE,
    maxBodySize: MAX_REQUEST_BYTES,
    createContext: ({ req, info }) =>
      createTRPCContext({
        services,
        headers: toHeaders(req.headers),
        // Read per request, as the web server does, so that auth.rotateToken takes effect.
        accessToken: readAccessToken(home),
        connectionParams: info.connectionParams,
        rotateToken: () => rotateAccessToken(home),
      }),
    onError({ path: procedure, error }) {
      if (error.code === "INTERNAL_SERVER_ERROR") console.error(`tRPC ${procedure ?? "(no path)"} failed:`, error);
    },
  });
  const server = http.createServer((req, res) => {
    if (!req.url?.startsWith("/api/trpc/")) {
      res.writeHead(404).end();
      return;
    }
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const runner = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: runnerDir,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      DATABASE_URL: db.url,
      WHARF_HOME: home,
      WHARF_CANCEL_GRACE_MS: "1000",
      WHARF_RUNNER_CONCURRENCY: "4",
      // Where Wharf's MCP server (given to agents of projects that enable it) reaches this API.
      WHARF_URL: url,
      ...opts.runnerEnv,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<number | null>((resolve) => runner.once("exit", (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-100_000);
      if (output.includes("runner started")) resolve();
    };
    runner.stdout.on("data", onData);
    runner.stderr.on("data", onData);
    runner.once("exit", (code) => reject(new Error(`the runner exited (${code}) before it started:\n${output.slice(-4000)}`)));
  });

  const repos: string[] = [];
  return {
    url,
    token: TEST_TOKEN,
    home,
    services,
    server,
    runnerOutput: () => output,
    /** A real git repository with one commit on `main` (README.md, src/app.txt). */
    makeRepo(): string {
      const dir = mkdtempSync(path.join(os.tmpdir(), "wharf-client-repo-"));
      repos.push(dir);
      git(dir, "init", "-q", "-b", "main");
      mkdirSync(path.join(dir, "src"));
      writeFileSync(path.join(dir, "README.md"), "# demo\n");
      writeFileSync(path.join(dir, "src/app.txt"), "one\ntwo\nthree\n");
      git(dir, "add", "-A");
      git(dir, "commit", "-q", "-m", "initial");
      return dir;
    },
    git,
    async stop() {
      if (runner.exitCode === null) runner.kill("SIGTERM");
      await exited;
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
      await services.close();
      await db.drop();
      for (const dir of [home, ...repos]) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** git with an environment free of the host's GIT_* variables and config. */
export function git(cwd: string, ...args: string[]): string {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("GIT_")) env[k] = v;
  env.GIT_CONFIG_GLOBAL = "/dev/null";
  env.GIT_CONFIG_NOSYSTEM = "1";
  return execFileSync("git", ["-c", "user.name=Test", "-c", "user.email=test@example.com", ...args], { cwd, env, encoding: "utf8" }).trim();
}

/** A prompt the scripted agent (`scripted`) runs as a scenario. */
export function scenarioPrompt(scenario: unknown, text = "Scripted run."): string {
  return `${text}\n\`\`\`scenario\n${JSON.stringify(scenario)}\n\`\`\``;
}

/** The shared scenario: reads, plans, asks to write a file, writes it only when allowed. */
export { editWithPermission } from "@wharf/test-agent";

function toHeaders(raw: http.IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [key, value] of Object.entries(raw)) {
    if (Array.isArray(value)) for (const v of value) headers.append(key, v);
    else if (value !== undefined) headers.set(key, value);
  }
  return headers;
}

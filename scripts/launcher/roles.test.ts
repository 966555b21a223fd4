import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { migrate, resolveDatabase, type ResolvedDatabase } from "@wharf/db/server";
import { afterAll, describe, expect, it } from "vitest";
import { findFreePort } from "./port";
import { startRunnerHost, startStack, StackError, type RunnerHost, type Stack } from "./stack";

const repoRoot = path.resolve(import.meta.dirname, "..", "..");
const quiet = () => undefined;

describe("./wharf runner (a runner alone)", () => {
  it("refuses to start without DATABASE_URL, and says what to set", async () => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.DATABASE_URL;
    const started = startRunnerHost({ root: repoRoot, env, log: quiet });
    await expect(started).rejects.toBeInstanceOf(StackError);
    await expect(started).rejects.toThrow(/set DATABASE_URL to the PostgreSQL the web host uses/);
  });

  it("refuses a database it cannot reach, naming it without its password", async () => {
    const port = await findFreePort(); // nothing listens there
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: `postgres://wharf:s3cret-pw@127.0.0.1:${port}/wharf` };
    const error = await startRunnerHost({ root: repoRoot, env, log: quiet }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StackError);
    const message = (error as Error).message;
    expect(message).toContain(`The database at DATABASE_URL (postgres://wharf:***@127.0.0.1:${port}/wharf) cannot be reached`);
    expect(message).toContain("listen_addresses");
    expect(message).not.toContain("s3cret-pw");
  });

  describe("against a running database", () => {
    const dbHome = mkdtempSync(path.join(os.tmpdir(), "wharf-fleet-db-"));
    const runnerHome = mkdtempSync(path.join(os.tmpdir(), "wharf-fleet-runner-"));
    let database: ResolvedDatabase | null = null;
    let host: RunnerHost | null = null;
    afterAll(async () => {
      await host?.stop();
      await database?.stop();
      rmSync(dbHome, { recursive: true, force: true });
      rmSync(runnerHome, { recursive: true, force: true });
    }, 60_000);

    it("starts only a runner, with its own WHARF_HOME, against that database", { timeout: 120_000 }, async () => {
      const env: NodeJS.ProcessEnv = { ...process.env, WHARF_HOME: dbHome };
      delete env.DATABASE_URL;
      database = await resolveDatabase(env, { log: { info: quiet, warn: quiet, error: quiet } });
      await migrate(database.url);
      const lines: string[] = [];
      host = await startRunnerHost({
        root: repoRoot,
        env: { ...process.env, DATABASE_URL: database.url, WHARF_HOME: runnerHome, WHARF_AGENT_PROBE_MS: "0" },
        log: (source, line) => lines.push(`${source} | ${line}`),
      });
      expect(host.home).toBe(runnerHome);
      await expect.poll(() => lines.find((l) => l.startsWith("runner |") && l.includes("runner started")), { timeout: 60_000 }).toBeTruthy();
      expect(lines.some((l) => l.startsWith("web"))).toBe(false);
      expect(lines.find((l) => l.includes("joining the database"))).not.toContain(database.url.split("@")[0]!.split(":").at(-1));
      await host.stop();
      expect(lines.some((l) => l.startsWith("runner |") && l.includes("stopping"))).toBe(true);
    });
  });
});

describe("./wharf start --no-runner", () => {
  const home = mkdtempSync(path.join(os.tmpdir(), "wharf-no-runner-"));
  let stack: Stack | null = null;
  afterAll(async () => {
    await stack?.stop();
    rmSync(home, { recursive: true, force: true });
  }, 60_000);

  it("serves the board on the embedded database with no runner process", { timeout: 180_000 }, async () => {
    const lines: string[] = [];
    const env: NodeJS.ProcessEnv = { ...process.env, WHARF_HOME: home };
    delete env.DATABASE_URL;
    stack = await startStack({
      root: repoRoot,
      env,
      host: "127.0.0.1",
      port: await findFreePort(),
      runner: false,
      log: (source, line) => lines.push(`${source} | ${line}`),
      healthTimeoutMs: 90_000,
    });
    expect(stack.embeddedDatabase).toBe(true);
    const response = await fetch(`${stack.url}/api/trpc/health.check`, { headers: { authorization: `Bearer ${stack.token}` } });
    expect(response.status).toBe(200);
    expect(lines.some((l) => l.includes("no runner on this host"))).toBe(true);
    expect(lines.filter((l) => l.startsWith("runner"))).toEqual([]);
  });
});

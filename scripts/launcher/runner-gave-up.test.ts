import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findAgentsOf, reapAgentsOf, startTimeOf } from "./agents";
import { findFreePort } from "./port";
import { startStack, type Stack } from "./stack";

const repoRoot = path.resolve(import.meta.dirname, "..", "..");

function alive(pid: number): boolean {
  const stat = (() => {
    try {
      return readFileSync(`/proc/${pid}/stat`, "latin1");
    } catch {
      return null;
    }
  })();
  return stat !== null && !stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
}

describe("agents of a runner that is gone", () => {
  it("are found by the runner's tag and stopped, children included, and nothing else is", async () => {
    // Stand-in for a dead runner: this process, as named in the tag (the launcher never reaps its own
    // pid's tags in real use, so the tag names a made-up start time).
    const owner = { pid: 999_999, startTime: "12345" };
    const tag = `${owner.pid}.${owner.startTime}.0f0e0d0c`;
    const script = "const { spawn } = require('node:child_process'); const c = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }); console.log(c.pid); setInterval(() => {}, 1000)";
    const agent = spawn(process.execPath, ["-e", script], { detached: true, env: { ...process.env, WHARF_PROCESS_TAG: tag }, stdio: ["ignore", "pipe", "ignore"] });
    const other = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { detached: true, env: { ...process.env, WHARF_PROCESS_TAG: "1.1.other" }, stdio: "ignore" });
    try {
      const grandchild = await new Promise<number>((resolve) => agent.stdout.once("data", (chunk: Buffer) => resolve(Number(chunk.toString().trim()))));
      expect(findAgentsOf(owner).sort()).toEqual([agent.pid!, grandchild].sort());
      const notices: string[] = [];
      const reaped = await reapAgentsOf(owner, 1_000, (line) => notices.push(line));
      expect(reaped.sort()).toEqual([agent.pid!, grandchild].sort());
      await expect.poll(() => alive(agent.pid!) || alive(grandchild)).toBe(false);
      expect(notices[0]).toContain(`left by runner ${owner.pid}`);
      expect(alive(other.pid!)).toBe(true);
    } finally {
      for (const child of [agent, other]) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
  });

  it("reads a process's start time, and none for a process that is gone", () => {
    expect(startTimeOf(process.pid)).toMatch(/^\d+$/);
    expect(startTimeOf(2 ** 30)).toBeNull();
  });
});

/** GET health.check with the token; the parsed JSON body. */
function health(url: string, token: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    http
      .get(`${url}/api/trpc/health.check`, { headers: { authorization: `Bearer ${token}` } }, (res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => (text += chunk.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown }));
      })
      .on("error", reject);
  });
}

describe("a runner that keeps exiting", () => {
  const home = mkdtempSync(path.join(os.tmpdir(), "wharf-gave-up-"));
  let stack: Stack | null = null;
  afterAll(async () => {
    await stack?.stop();
    rmSync(home, { recursive: true, force: true });
  }, 30_000);

  it("is given up on without taking the board down, and health.check says so", { timeout: 180_000 }, async () => {
    const lines: string[] = [];
    const env: NodeJS.ProcessEnv = { ...process.env, WHARF_HOME: home, WHARF_AGENT_PROBE_MS: "999999999" }; // invalid: the runner exits at start
    delete env.DATABASE_URL;
    stack = await startStack({
      root: repoRoot,
      env,
      host: "127.0.0.1",
      port: await findFreePort(),
      log: (source, line) => lines.push(`${source} | ${line}`),
      restart: { maxExits: 3, windowMs: 60_000, baseDelayMs: 20, maxDelayMs: 40 },
      healthTimeoutMs: 90_000,
    });
    await expect.poll(() => lines.some((l) => l.includes("RUNNER STOPPED")), { timeout: 60_000 }).toBe(true);
    expect(lines.find((l) => l.includes("RUNNER STOPPED"))).toContain("runner exited 3 times within 60 s");
    const { status, body } = await health(stack.url, stack.token);
    expect(status).toBe(200);
    const problems = (body as { result: { data: { json: { ok: boolean; problems: string[] } } } }).result.data.json;
    expect(problems.ok).toBe(true);
    expect(problems.problems).toHaveLength(1);
    expect(problems.problems[0]).toMatch(/^runner: runner exited 3 times/);
    // The web server was never restarted or stopped.
    expect(lines.filter((l) => l.startsWith("wharf | web exited"))).toEqual([]);
  });
});

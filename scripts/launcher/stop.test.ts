import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { assertPortFree, findFreePort } from "./port";

/**
 * `./wharf start` (the real wrapper, bootstrap and built launcher, an embedded PostgreSQL in a
 * temp WHARF_HOME) is stopped with SIGINT to its process group, as Ctrl-C does, at 20 moments
 * spread over its start-up and its run. Each time, every process it started (found by walking
 * its process tree while it runs, and by its WHARF_HOME afterwards) must be gone within 10 s,
 * and the port must be free again. Needs the web build (./wharf test and ./wharf start make it).
 */

const repoRoot = path.resolve(import.meta.dirname, "..", "..");
const home = mkdtempSync(path.join(os.tmpdir(), "wharf-stop-"));
const MOMENTS = 20;
const STOP_BOUND_MS = 10_000;

type Proc = { pid: number; ppid: number; start: string; state: string; name: string };

function readStat(pid: number): Proc | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "latin1");
    const close = text.lastIndexOf(")");
    const fields = text.slice(close + 2).split(" ");
    return { pid, ppid: Number(fields[1]), start: fields[19] ?? "", state: fields[0] ?? "", name: text.slice(text.indexOf("(") + 1, close) };
  } catch {
    return null;
  }
}

function allProcesses(): Proc[] {
  return readdirSync("/proc")
    .map(Number)
    .filter((pid) => Number.isInteger(pid) && pid !== process.pid)
    .map(readStat)
    .filter((p): p is Proc => p !== null);
}

/** Processes whose environment names this test's WHARF_HOME: everything the launcher starts, bar agents. */
function withOurHome(): Proc[] {
  return allProcesses().filter((p) => {
    try {
      return readFileSync(`/proc/${p.pid}/environ`, "latin1").split("\0").includes(`WHARF_HOME=${home}`);
    } catch {
      return false;
    }
  });
}

const alive = (p: Proc) => {
  const now = readStat(p.pid);
  return now !== null && now.start === p.start && now.state !== "Z";
};

type Run = { phase: string; stopMs: number; leftover: Proc[]; exit: string; output: string };

/** Starts `./wharf start`, sends SIGINT to its group after `delayMs` (or once it is up, for -1), and watches it stop. */
async function startAndInterrupt(port: number, delayMs: number): Promise<Run & { upMs: number }> {
  const env: NodeJS.ProcessEnv = { ...process.env, WHARF_HOME: home, WHARF_PORT: String(port) };
  for (const name of ["DATABASE_URL", "WHARF_HOST", "WHARF_ALLOWED_HOSTS"]) delete env[name];
  const started = Date.now();
  const child = spawn(path.join(repoRoot, "wharf"), ["start"], { cwd: repoRoot, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  // Stopped during the bootstrap, ./wharf ends as programs do on Ctrl-C (130, or killed by SIGINT); afterwards the launcher exits 0.
  const exited = new Promise<string>((resolve) => child.once("exit", (code, signal) => resolve(signal ?? `exit ${code}`)));
  let done = false;
  void exited.then(() => (done = true));

  // Every process in the tree under ./wharf start, as it appears (a process leaves the tree when its parent dies).
  const seen = new Map<string, Proc>();
  const inTree = new Set<number>([child.pid!]);
  const watch = () => {
    for (const p of allProcesses()) {
      if (inTree.has(p.ppid) || inTree.has(p.pid)) {
        inTree.add(p.pid);
        seen.set(`${p.pid}.${p.start}`, p);
      }
    }
  };
  let upMs = -1;
  for (;;) {
    watch();
    if (upMs < 0 && output.includes("Press Ctrl-C to stop.")) upMs = Date.now() - started;
    if (done) throw new Error(`./wharf start exited before it was stopped:\n${output.slice(-3000)}`);
    if (delayMs >= 0 ? Date.now() - started >= delayMs : upMs >= 0) break;
    await sleep(20);
  }
  const phase = phaseOf(output);
  const signalled = Date.now();
  process.kill(-child.pid!, "SIGINT");
  let exit = "running";
  let stopMs = -1;
  while (Date.now() - signalled < STOP_BOUND_MS + 2_000) {
    watch();
    for (const p of withOurHome()) seen.set(`${p.pid}.${p.start}`, p);
    if (done && [...seen.values()].every((p) => !alive(p))) {
      stopMs = Date.now() - signalled;
      exit = await exited;
      break;
    }
    await sleep(20);
  }
  const leftover = [...seen.values()].filter(alive).concat(withOurHome().filter((p) => !seen.has(`${p.pid}.${p.start}`)));
  for (const p of leftover) process.kill(p.pid, "SIGKILL"); // so one failure does not spoil the next moments
  return { phase, stopMs, leftover, exit, output, upMs };
}

/** Where start-up was when the signal went out, from what it had printed. */
function phaseOf(output: string): string {
  if (output.includes("Press Ctrl-C to stop.")) return "running";
  if (output.includes("web    |") || output.includes("runner |")) return "web and runner starting";
  if (output.includes("applied migrations") || output.includes("embedded PostgreSQL is up")) return "migrated";
  if (output.includes("db     |")) return "database starting";
  return "bootstrap and build";
}

afterAll(() => {
  for (const p of withOurHome()) process.kill(p.pid, "SIGKILL");
  rmSync(home, { recursive: true, force: true });
});

describe("./wharf start stopped with SIGINT", () => {
  it(`leaves nothing behind and frees the port at ${MOMENTS} moments of start-up and run`, { timeout: 900_000 }, async () => {
    const port = await findFreePort();
    // A first start, stopped once it is up, initialises the database and measures start-up.
    const first = await startAndInterrupt(port, -1);
    expect(first.leftover, first.output.slice(-3000)).toEqual([]);
    const span = first.upMs + 1_500;
    const runs: Array<Run & { delayMs: number }> = [];
    for (let i = 0; i < MOMENTS; i++) {
      const delayMs = Math.round((i * span) / (MOMENTS - 1));
      const run = await startAndInterrupt(port, delayMs);
      runs.push({ ...run, delayMs });
      const where = `moment ${i + 1} at ${delayMs} ms (${run.phase})`;
      expect(run.leftover.map((p) => `${p.pid} ${p.name}`), `${where} left processes behind:\n${run.output.slice(-3000)}`).toEqual([]);
      expect(run.stopMs, `${where} did not stop within ${STOP_BOUND_MS} ms:\n${run.output.slice(-3000)}`).toBeGreaterThanOrEqual(0);
      expect(run.stopMs).toBeLessThanOrEqual(STOP_BOUND_MS);
      expect(run.exit, `${where}: how it ended`).toMatch(run.phase === "bootstrap and build" ? /^(exit 0|exit 130|SIGINT)$/ : /^exit 0$/);
      await expect(assertPortFree("127.0.0.1", port), `${where}: port still taken`).resolves.toBeUndefined();
    }
    const phases = new Set(runs.map((r) => r.phase));
    console.info(
      `start-up ${first.upMs} ms; stops: ${runs.map((r) => `${r.delayMs} ms ${r.phase} → ${r.stopMs} ms`).join("; ")}`,
    );
    // The moments cover start-up and the running board, not one phase only.
    expect(phases.has("running")).toBe(true);
    expect(phases.size).toBeGreaterThanOrEqual(3);
  });
});

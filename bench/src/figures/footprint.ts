import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createWharfClient, readToken, waitForTask } from "@wharf/client";
import type { Figure, Row } from "../figure";
import { pssMiB } from "../procs";
import { repoRoot, scenario } from "../stack";
import { round } from "../stats";

/**
 * The footprint a person's machine pays for `./wharf start`: the whole process tree (the
 * `./wharf` wrapper, the launcher, PostgreSQL with its backends, web, runner) measured as PSS
 * (proportional set size: a page shared by n processes counts 1/n to each, so the sum is what the
 * tree really holds), idle and after 10 finished tasks. Agent processes are counted apart.
 * It runs the real `./wharf start` in a temporary WHARF_HOME on a free port, as a person would.
 */

/** Idle means settled: past the connection pools' 10 s idle timeout, start-up's garbage collected. */
const IDLE_SETTLE_MS = 12_000;
const TASKS = 10;
const AGENT_IDLE_MS = 60_000;

type Proc = { pid: number; ppid: number; comm: string; cmdline: string };
type Part = "launcher" | "database" | "web" | "runner" | "agents";

export const footprint: Figure = {
  id: "footprint",
  title: "footprint of ./wharf start, the whole tree as PSS",
  async run(ctx) {
    const home = mkdtempSync(path.join(os.tmpdir(), "wharf-footprint-"));
    const repo = makeRepo(home);
    const port = await freePort();
    const env: NodeJS.ProcessEnv = { ...process.env, WHARF_HOME: home, WHARF_PORT: String(port), WHARF_AGENT_IDLE_MS: String(AGENT_IDLE_MS) };
    for (const name of ["DATABASE_URL", "WHARF_HOST", "WHARF_ALLOWED_HOSTS"]) delete env[name];
    const child = spawn(path.join(repoRoot, "wharf"), ["start"], { cwd: repoRoot, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    try {
      await upOrExit(child, 240_000);
      ctx.log(`./wharf start is up on port ${port}`);
      await sleep(IDLE_SETTLE_MS);
      const idle = measure(child.pid!);

      const client = createWharfClient({ url: `http://127.0.0.1:${port}`, token: readToken(home), actor: "bench" });
      const project = await client.project.create.mutate({ path: repo });
      const prompt = scenario({ steps: [{ type: "write_file", path: "note.txt", content: "a note\n" }, { type: "text", text: "a short answer", chunks: 5, delayMs: 10 }] });
      const ids: string[] = [];
      for (let i = 0; i < TASKS; i++) ids.push((await client.task.create.mutate({ projectId: project.id, agentId: "scripted", prompt })).id);
      await Promise.all(ids.map((id) => waitForTask(client, id, ["review", "completed"])));
      await sleep(IDLE_SETTLE_MS);
      const after = measure(child.pid!);

      const row = (label: string, m: Measured, target: number): Row => ({
        figure: "10b footprint",
        metric: `whole tree of ./wharf start, PSS, ${label}`,
        value: `${round(m.total, 0)} MiB (${describe(m)})`,
        target: `≤ ${target} MiB`,
        met: m.total <= target,
        note: `${m.count} processes; agents apart: ${round(m.parts.agents, 0)} MiB in ${m.agentCount}`,
      });
      return [row("idle", idle, 200), row(`after ${TASKS} finished tasks`, after, 300)];
    } finally {
      await stop(child);
      rmSync(home, { recursive: true, force: true });
    }
  },
};

type Measured = { total: number; parts: Record<Part, number>; count: number; agentCount: number };

function measure(rootPid: number): Measured {
  const procs = tree(rootPid);
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  const parts: Record<Part, number> = { launcher: 0, database: 0, web: 0, runner: 0, agents: 0 };
  let agentCount = 0;
  for (const p of procs) {
    const part = partOf(p, byPid);
    parts[part] += pssMiB(p.pid);
    if (part === "agents") agentCount++;
  }
  const total = parts.launcher + parts.database + parts.web + parts.runner;
  return { total, parts, count: procs.length - agentCount, agentCount };
}

function describe(m: Measured): string {
  return (["launcher", "database", "web", "runner"] as const).map((part) => `${part} ${round(m.parts[part], 0)}`).join(", ");
}

/** Which part of Wharf a process is: anything below the runner is an agent (or its children). */
function partOf(p: Proc, byPid: Map<number, Proc>): Part {
  for (let q: Proc | undefined = byPid.get(p.ppid); q; q = byPid.get(q.ppid)) {
    if (isRunner(q)) return "agents";
  }
  if (isRunner(p)) return "runner";
  if (p.comm === "postgres" || p.cmdline.includes("/bin/postgres") || p.cmdline.includes("/bin/pg_ctl")) return "database";
  if (p.comm.startsWith("next-server") || p.cmdline.includes("server.js")) return "web";
  return "launcher";
}

const isRunner = (p: Proc) => p.cmdline.includes("apps/runner/dist/main.mjs");

/** `rootPid` and every process below it. */
function tree(rootPid: number): Proc[] {
  const all: Proc[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "latin1");
      const close = stat.lastIndexOf(")");
      const fields = stat.slice(close + 2).split(" ");
      if (fields[0] === "Z") continue;
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "latin1").replaceAll("\0", " ");
      all.push({ pid: Number(entry), ppid: Number(fields[1]), comm: stat.slice(stat.indexOf("(") + 1, close), cmdline });
    } catch {
      continue; // exited while we looked
    }
  }
  const inTree = new Set([rootPid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all) {
      if (!inTree.has(p.pid) && inTree.has(p.ppid)) {
        inTree.add(p.pid);
        grew = true;
      }
    }
  }
  return all.filter((p) => inTree.has(p.pid));
}

function upOrExit(child: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`./wharf start was not up within ${timeoutMs} ms:\n${output.slice(-2000)}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Press Ctrl-C to stop.")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`./wharf start exited (${signal ?? code}) before it was up:\n${output.slice(-2000)}`));
    });
  });
}

/** SIGINT to the group, as Ctrl-C; SIGKILL to the group if it has not exited within 15 s. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    process.kill(-child.pid!, "SIGINT");
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // gone
    }
  }, 15_000);
  await exited;
  clearTimeout(timer);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

function makeRepo(home: string): string {
  const repo = path.join(home, "project");
  execFileSync("git", ["init", "--quiet", "--initial-branch=main", repo]);
  writeFileSync(path.join(repo, "README.md"), "# footprint\n");
  const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=Wharf Bench", "-c", "user.email=bench@wharf.invalid", ...args], { cwd: repo, stdio: "ignore" });
  git("add", "-A");
  git("commit", "--quiet", "-m", "initial");
  return repo;
}

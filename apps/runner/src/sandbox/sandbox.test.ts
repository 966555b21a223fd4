import { createServer, type Server } from "node:net";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { git, makeRepo } from "../testing/git-fixture";
import { spawnInGroup } from "../processes/spawn";
import { terminateGroup } from "../processes/terminate";
import { gitWritablePaths } from "./bwrap-args";
import { agentExitOfBwrap, sandboxFor, SandboxUnavailableError } from ".";
import { detectSandbox, Sandbox } from "./sandbox";

let base: string;
let home: string;
let worktree: string;
let repo: string;
/** This file's sandbox: Wharf's home is its own `home`. */
let sandbox: Sandbox;

beforeAll(() => {
  base = realpathSync(mkdtempSync(path.join(tmpdir(), "wharf-sandbox-")));
  home = path.join(base, "home");
  mkdirSync(path.join(home, "worktrees", "other-task"), { recursive: true });
  writeFileSync(path.join(home, "token"), "secret-token");
  repo = makeRepo();
  worktree = path.join(home, "worktrees", "task-1");
  git(repo, "worktree", "add", "-q", "-b", "wharf/task-1", worktree);
  // The suites run sandboxed where bubblewrap works; this file needs it (./wharf test installs it).
  sandbox = sandboxFor({ mode: "auto", home, path: process.env.PATH });
  if (!sandbox.status.on) throw new Error(`These tests need the OS sandbox: ${sandbox.status.reason}`);
});

afterAll(() => {
  rmSync(base, { recursive: true, force: true });
  rmSync(repo, { recursive: true, force: true });
});

/** Runs a shell script in the sandbox, confined to the worktree; resolves with its exit code and output. */
async function sandboxed(script: string, opts: { network?: boolean } = {}): Promise<{ code: number | null; out: string }> {
  const env = { PATH: "/usr/bin:/bin", HOME: path.join(base, "person"), GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1" };
  const child = spawnInGroup("/bin/sh", ["-c", script], { cwd: worktree, root: worktree, env, network: opts.network, sandbox });
  let out = "";
  child.stdout.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr.on("data", (c: Buffer) => (out += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("close", (c) => resolve(c)));
  await terminateGroup(child, 500);
  return { code, out };
}

describe("the OS sandbox", () => {
  it("writes in the worktree; refuses next to it, in Wharf's home and in the system's folders", async () => {
    // A write may "succeed" into the sandbox's own throw-away tmpfs: what counts is the host.
    await sandboxed(
      [
        "echo a > ./inside",
        `echo a > ${home}/worktrees/escape`,
        `echo a > ${base}/escape`,
        `echo a > ${home}/escape`,
        "echo a > /etc/wharf-escape",
      ].join("; "),
    );
    expect(existsSync(path.join(worktree, "inside"))).toBe(true);
    expect(existsSync(path.join(home, "worktrees", "escape"))).toBe(false);
    expect(existsSync(path.join(base, "escape"))).toBe(false);
    expect(existsSync(path.join(home, "escape"))).toBe(false);
    expect(existsSync("/etc/wharf-escape")).toBe(false);
  });

  it("hides Wharf's home (token, other worktrees) and gives a private /tmp", async () => {
    writeFileSync(path.join(tmpdir(), "wharf-sandbox-host-file"), "host");
    const { out } = await sandboxed(
      [
        `cat ${home}/token 2>/dev/null || echo token:hidden`,
        `ls ${home}/worktrees`,
        "echo tmp > /tmp/mine && ls /tmp",
      ].join("; "),
    );
    expect(out).toContain("token:hidden");
    expect(out).not.toContain("secret-token");
    expect(out).not.toContain("other-task");
    expect(out).toContain("task-1");
    expect(out).not.toContain("wharf-sandbox-host-file");
    rmSync(path.join(tmpdir(), "wharf-sandbox-host-file"));
  });

  it("runs an agent installed in Wharf's agent folder, which it can read but not change", async () => {
    const bin = path.join(home, "agents", "node_modules", ".bin");
    mkdirSync(bin, { recursive: true });
    writeFileSync(path.join(bin, "installed-agent"), "#!/bin/sh\necho installed-agent-ran\n", { mode: 0o755 });
    const { out } = await sandboxed(
      [`${bin}/installed-agent`, `echo planted > ${bin}/installed-agent 2>/dev/null || echo agents:read-only`, `cat ${home}/token 2>/dev/null || echo token:hidden`].join("; "),
    );
    expect(out).toContain("installed-agent-ran");
    expect(out).toContain("agents:read-only");
    expect(out).toContain("token:hidden");
    expect(readFileSync(path.join(bin, "installed-agent"), "utf8")).toContain("installed-agent-ran");
  });

  it("shows only its own processes in /proc", async () => {
    const { out } = await sandboxed(`ls /proc | grep -E '^[0-9]+$' | tr '\\n' ' '; echo; cat /proc/${process.pid}/environ 2>/dev/null || echo runner:hidden`);
    const pids = out.split("\n")[0]!.trim().split(" ").map(Number);
    expect(Math.max(...pids)).toBeLessThan(20);
    expect(out).toContain("runner:hidden");
  });

  it("commits in the worktree, but cannot change the repository's hooks, config or the person's branches", async () => {
    const config = readFileSync(path.join(repo, ".git", "config"), "utf8");
    const main = git(repo, "rev-parse", "main");
    const { out } = await sandboxed(
      [
        "echo change > change.txt && git add change.txt && git -c user.name=A -c user.email=a@b commit -q -m agent && echo commit:ok",
        `echo x > ${repo}/.git/hooks/pre-commit`,
        `echo x >> ${repo}/.git/config`,
        "git update-ref refs/heads/main HEAD 2>/dev/null && echo main:moved || echo main:kept",
        "git tag planted 2>/dev/null && echo tag:made || echo tag:refused",
      ].join("; "),
    );
    expect(out).toContain("commit:ok");
    expect(out).toContain("main:kept");
    expect(out).toContain("tag:refused");
    expect(git(repo, "rev-parse", "main")).toBe(main);
    expect(existsSync(path.join(repo, ".git", "hooks", "pre-commit"))).toBe(false);
    expect(readFileSync(path.join(repo, ".git", "config"), "utf8")).toBe(config);
    expect(git(worktree, "log", "-1", "--format=%s")).toBe("agent");
    expect(gitWritablePaths(worktree)).toContain(path.join(repo, ".git", "objects"));
  });

  it("with the network off, reaches nothing outside its own loopback", async () => {
    const server: Server = createServer((socket) => socket.end("hello\n"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    const probe = `node -e "require('net').connect(${port},'127.0.0.1').on('data',d=>{console.log('got:'+d);process.exit(0)}).on('error',e=>{console.log('net:'+e.code);process.exit(0)})"`;
    const nodeDir = path.dirname(process.execPath);
    try {
      const on = await sandboxed(`PATH=${nodeDir}:$PATH ${probe}`);
      expect(on.out).toContain("got:hello");
      const off = await sandboxed(`PATH=${nodeDir}:$PATH ${probe}`, { network: false });
      expect(off.out).toContain("net:ECONNREFUSED");
    } finally {
      server.close();
    }
  });

  it("is off with WHARF_SANDBOX=off, and with require where it cannot work, refuses to start anything", () => {
    expect(detectSandbox({ mode: "off", home }).on).toBe(false);
    const missing = detectSandbox({ mode: "require", home, bwrap: path.join(base, "no-bwrap") });
    expect(missing.on).toBe(false);
    const required = new Sandbox(missing, { mode: "require", home });
    expect(() => required.wrap("/bin/true", [], { root: worktree, cwd: worktree, env: {} })).toThrow(SandboxUnavailableError);
    expect(() => required.wrap("/bin/true", [], { root: worktree, cwd: worktree, env: {} })).toThrow(/apt-get install bubblewrap/);
    expect(sandbox.status.on).toBe(true);
  });
});

describe("stopping a sandboxed process", () => {
  it("reads bwrap's 128 + N as the agent's signal N", async () => {
    const env = { PATH: "/usr/bin:/bin", HOME: path.join(base, "person") };
    const child = spawnInGroup("/bin/sh", ["-c", "echo up; exec sleep 304"], { cwd: worktree, root: worktree, env, sandbox });
    await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once("exit", (code, signal) => resolve([code, signal])));
    await terminateGroup(child, 2000);
    const [code, signal] = await exited;
    expect([code, signal]).toEqual([143, null]);
    expect(agentExitOfBwrap(code, signal)).toEqual({ code: null, signal: "SIGTERM" });
    expect(agentExitOfBwrap(3, null)).toEqual({ code: 3, signal: null });
    expect(agentExitOfBwrap(null, "SIGKILL")).toEqual({ code: null, signal: "SIGKILL" });
  });

  it("terminates everything inside the PID namespace: background jobs, a setsid child, one that ignores SIGTERM", async () => {
    const marker = `wharf-sandbox-stop-${process.pid}-${Date.now()}`;
    const env = { PATH: "/usr/bin:/bin", HOME: path.join(base, "person") };
    const script = [
      `bash -c 'exec -a ${marker}-bg sleep 301' &`,
      `setsid bash -c 'exec -a ${marker}-setsid sleep 302' &`,
      `bash -c 'trap "" TERM; exec -a ${marker}-stubborn sleep 303' &`,
      "echo started; wait",
    ].join("\n");
    const child = spawnInGroup("/bin/bash", ["-c", script], { cwd: worktree, root: worktree, env, sandbox });
    await new Promise<void>((resolve) => child.stdout.on("data", (c: Buffer) => c.toString().includes("started") && resolve()));
    const running = () => hostProcessesNamed(marker);
    expect((await waitFor(async () => ((await running()).length === 3 ? true : undefined))) ?? false).toBe(true);
    await terminateGroup(child, 300);
    expect(await running()).toEqual([]);
  }, 30_000);
});

/** Host pids of processes whose command line starts with `prefix`. */
async function hostProcessesNamed(prefix: string): Promise<number[]> {
  const found: number[] = [];
  for (const name of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    try {
      if (readFileSync(`/proc/${name}/cmdline`, "latin1").startsWith(prefix)) found.push(Number(name));
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

/** Re-checks a condition with a short back-off until it holds (at most 5 s). */
async function waitFor<T>(check: () => Promise<T | undefined>): Promise<T | undefined> {
  const deadline = Date.now() + 5000;
  for (let delay = 5; Date.now() < deadline; delay = Math.min(delay * 2, 100)) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
  return check();
}

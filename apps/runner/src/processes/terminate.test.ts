import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { describe, expect, it } from "vitest";
import type { Sandbox } from "../sandbox";
import { alive, firstLine, pidsWithArg, runningMembers } from "../testing/processes";
import { runnerSandbox, unsandboxed } from "../testing/sandbox";
import { processTagVar } from "./proc-scan";
import { spawnInGroup } from "./spawn";
import { reapOrphans, terminateGroup } from "./terminate";

const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" };

/**
 * The processes are found by a unique name (`exec -a`) in the host's /proc, which lists sandboxed
 * processes with host pids too; each test runs unsandboxed and in the OS sandbox (where bubblewrap
 * works), and must behave the same.
 */
const marker = () => `wharf-term-${randomUUID()}`;

const named = (name: string) => pidsWithArg(name, "argv0");

async function waitForPids(name: string, count: number): Promise<number[]> {
  const deadline = Date.now() + 10_000;
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    const pids = named(name);
    if (pids.length >= count || Date.now() > deadline) return pids;
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

const sandboxes: [string, () => Sandbox][] = [
  ["unsandboxed", unsandboxed],
  ["in the OS sandbox", runnerSandbox],
];

describe.each(sandboxes)("terminateGroup, %s", (_label, sandbox) => {
  const spawnSh = (script: string) => spawnInGroup("sh", ["-c", script], { cwd: "/", root: "/tmp", env, sandbox: sandbox() });

  it("kills the group, its background jobs and a child that left with setsid", async () => {
    const name = marker();
    const child = spawnSh(`bash -c 'exec -a ${name}-bg sleep 9999' & setsid bash -c 'exec -a ${name}-setsid sleep 9998' & echo started; wait`);
    expect(await firstLine(child)).toBe("started");
    expect(await waitForPids(name, 2)).toHaveLength(2);
    await terminateGroup(child, 2000);
    expect(named(name)).toEqual([]);
    expect(await runningMembers(child.pid!)).toEqual([]);
    expect(child.signalCode ?? child.exitCode).not.toBeNull();
  });

  it("finds a setsid child whose parent already exited (orphaned to init)", async () => {
    const name = marker();
    // In the sandbox the shell waits: its exit would end the sandbox's PID namespace, and the child with it.
    const wait = sandbox().status.on ? "wait" : "";
    const child = spawnSh(`setsid bash -c 'exec -a ${name} sleep 9997' </dev/null >/dev/null 2>&1 & echo started; ${wait}`);
    expect(await firstLine(child)).toBe("started");
    expect(await waitForPids(name, 1)).toHaveLength(1);
    if (!sandbox().status.on) {
      // Unsandboxed, the child can exit and leave its setsid child running (in the sandbox that
      // child would die with the sandbox's init).
      // It may have exited while we looked for its child: `once` would then wait forever.
      if (child.exitCode === null && child.signalCode === null) await once(child, "exit");
      expect(named(name)).toHaveLength(1);
    }
    await terminateGroup(child, 1000);
    expect(named(name)).toEqual([]);
  });

  it("gives a process that handles SIGTERM its grace period", async () => {
    const child = spawnSh("trap 'sleep 0.5; echo got-term; exit 0' TERM; echo ready; sleep 100 & wait");
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    await new Promise<void>((resolve) => child.stdout.on("data", () => out.includes("ready") && resolve()));
    await terminateGroup(child, 5000);
    expect(out).toContain("got-term");
  });

  it("escalates to SIGKILL after the grace period when SIGTERM is ignored", async () => {
    const child = spawnSh("trap '' TERM; sleep 9996 & echo ready; wait");
    expect(await firstLine(child)).toBe("ready");
    const started = Date.now();
    await terminateGroup(child, 300);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(child.signalCode).toBe("SIGKILL");
    expect(await runningMembers(child.pid!)).toEqual([]);
  });

  it("returns at once for a process that already exited", async () => {
    const child = spawnInGroup("true", [], { cwd: "/", root: "/tmp", env, sandbox: sandbox() });
    await once(child, "exit");
    await terminateGroup(child, 5000);
    expect(child.exitCode).toBe(0);
  });
});

describe("reapOrphans", () => {
  it("kills a tagged process whose runner is gone, and leaves this runner's own alone", async () => {
    // A runner that has exited: its pid (and start time) in a tag are those of a process that no longer runs.
    const gone = spawn("true");
    await once(gone, "exit");
    const orphan = spawn("sleep", ["9994"], { env: { ...env, [processTagVar]: `${gone.pid}.1.orphan` }, detached: true, stdio: "ignore" });
    const ours = spawnInGroup("sleep", ["9993"], { cwd: "/", env, sandbox: unsandboxed() });
    try {
      await Promise.all([once(orphan, "spawn"), once(ours, "spawn")]);
      // Runners started by other test files at the same moment reap orphans too, and may take this
      // one first: then it is gone before this call, which must still leave ours alone.
      let exited = false;
      orphan.once("exit", () => (exited = true));
      const killed = reapOrphans();
      if (!killed.includes(orphan.pid!)) expect(exited || !alive(orphan.pid!), "the orphan was alive and not reaped").toBe(true);
      expect(killed).not.toContain(ours.pid);
      if (orphan.exitCode === null && orphan.signalCode === null) await once(orphan, "exit");
      expect(orphan.signalCode).toBe("SIGKILL");
      expect(alive(ours.pid!)).toBe(true);
    } finally {
      await terminateGroup(ours, 500);
      if (orphan.exitCode === null && orphan.signalCode === null) orphan.kill("SIGKILL");
    }
  });
});

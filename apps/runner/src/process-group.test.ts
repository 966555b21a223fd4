import { once } from "node:events";
import { beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { groupMembers, parseProcStat, spawnInGroup, terminateGroup } from "./process-group";
import { sandboxOffForFile } from "./testing/sandbox";

// The shell scripts below print host pids; sandboxed termination is tested in sandbox/.
beforeAll(sandboxOffForFile);

const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" };

/** Members that still run (zombies wait only for their parent to reap them). */
const runningMembers = async (pid: number) => (await groupMembers(pid)).filter((m) => m.state !== "Z");

function alive(pid: number): boolean {
  try {
    const stat = parseProcStat(readFileSync(`/proc/${pid}/stat`, "utf8"));
    return stat !== null && stat.state !== "Z";
  } catch {
    return false;
  }
}

async function firstLine(child: ReturnType<typeof spawnInGroup>): Promise<string> {
  let buf = "";
  for await (const chunk of child.stdout) {
    buf += String(chunk);
    if (buf.includes("\n")) break;
  }
  return buf.trim();
}

describe("parseProcStat", () => {
  it("reads fields after a command name with spaces and parentheses", () => {
    const stat = parseProcStat("42 (a (b) c) S 7 42 40 0 -1 4194304 98");
    expect(stat).toEqual({ pid: 42, ppid: 7, pgid: 42, sid: 40, state: "S" });
  });
});

describe("terminateGroup", () => {
  it("kills the group, its background jobs and a child that left with setsid", async () => {
    const child = spawnInGroup("sh", ["-c", "sleep 9999 & setsid sleep 9998 & echo $!; wait"], { cwd: "/", env });
    const escaped = Number(await firstLine(child));
    expect(escaped).toBeGreaterThan(0);
    expect(alive(escaped)).toBe(true);
    const members = await groupMembers(child.pid!);
    expect(members.map((m) => m.pid)).toEqual(expect.arrayContaining([child.pid, escaped]));
    await terminateGroup(child, 2000);
    expect(alive(escaped)).toBe(false);
    expect(await runningMembers(child.pid!)).toEqual([]);
    expect(child.signalCode ?? child.exitCode).not.toBeNull();
  });

  it("finds a setsid child whose parent already exited (orphaned to init)", async () => {
    const child = spawnInGroup("sh", ["-c", "setsid sleep 9997 </dev/null >/dev/null 2>&1 & echo $!"], { cwd: "/", env });
    const escaped = Number(await firstLine(child));
    await once(child, "exit");
    expect(alive(escaped)).toBe(true);
    await terminateGroup(child, 1000);
    expect(alive(escaped)).toBe(false);
  });

  it("escalates to SIGKILL after the grace period when SIGTERM is ignored", async () => {
    const child = spawnInGroup("sh", ["-c", "trap '' TERM; sleep 9996 & echo ready; wait"], { cwd: "/", env });
    expect(await firstLine(child)).toBe("ready");
    const started = Date.now();
    await terminateGroup(child, 300);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(child.signalCode).toBe("SIGKILL");
    expect(await runningMembers(child.pid!)).toEqual([]);
  });

  it("returns at once for a process that already exited", async () => {
    const child = spawnInGroup("true", [], { cwd: "/", env });
    await once(child, "exit");
    await terminateGroup(child, 5000);
    expect(child.exitCode).toBe(0);
  });
});

describe("groupMembers after the leader was reaped", () => {
  it("does not mistake a process that reuses the leader's pid for a member", async () => {
    const child = spawnInGroup("sh", ["-c", "sleep 9995 & echo $!"], { cwd: "/", env });
    const sleeper = Number(await firstLine(child));
    await once(child, "exit");
    const leader = child.pid!;
    // Still ours: nothing has the leader's pid, so its group's members count, tag or not.
    expect((await groupMembers(leader, "no-such-tag", true)).map((m) => m.pid)).toContain(sleeper);
    // A live process with the leader's pid means reuse: only the tag counts then.
    expect(await groupMembers(process.ppid, "no-such-tag", true)).toEqual([]);
    await terminateGroup(child, 1000);
    expect(alive(sleeper)).toBe(false);
  });
});

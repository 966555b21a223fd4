import { spawn } from "node:child_process";
import { once } from "node:events";
import { beforeAll, describe, expect, it } from "vitest";
import { alive, firstLine, runningMembers } from "../testing/processes";
import { sandboxOffForFile } from "../testing/sandbox";
import { groupMembers, processTagVar } from "./proc-scan";
import { spawnInGroup } from "./spawn";
import { reapOrphans, terminateGroup } from "./terminate";

// The shell scripts below print host pids; sandboxed termination is tested in sandbox/.
beforeAll(sandboxOffForFile);

const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" };

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

describe("reapOrphans", () => {
  it("kills a tagged process whose runner is gone, and leaves this runner's own alone", async () => {
    // A runner that has exited: its pid (and start time) in a tag are those of a process that no longer runs.
    const gone = spawn("true");
    await once(gone, "exit");
    const orphan = spawn("sleep", ["9994"], { env: { ...env, [processTagVar]: `${gone.pid}.1.orphan` }, detached: true, stdio: "ignore" });
    const ours = spawnInGroup("sleep", ["9993"], { cwd: "/", env });
    try {
      await Promise.all([once(orphan, "spawn"), once(ours, "spawn")]);
      const killed = reapOrphans();
      expect(killed).toContain(orphan.pid);
      expect(killed).not.toContain(ours.pid);
      await once(orphan, "exit");
      expect(orphan.signalCode).toBe("SIGKILL");
      expect(alive(ours.pid!)).toBe(true);
    } finally {
      await terminateGroup(ours, 500);
      if (orphan.exitCode === null && orphan.signalCode === null) orphan.kill("SIGKILL");
    }
  });
});

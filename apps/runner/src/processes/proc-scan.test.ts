import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { alive, firstLine } from "../testing/processes";
import { groupMembers, parseProcStat, processTagVar, taggedProcesses } from "./proc-scan";
import { spawnInGroup, spawnRecord } from "./spawn";
import { terminateGroup } from "./terminate";
import { unsandboxed } from "../testing/sandbox";

const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" };
// The shell scripts below print host pids.
const sandbox = unsandboxed();

describe("parseProcStat", () => {
  it("reads fields after a command name with spaces and parentheses", () => {
    const stat = parseProcStat("42 (a (b) c) S 7 42 40 0 -1 4194304 98");
    expect(stat).toEqual({ pid: 42, ppid: 7, pgid: 42, sid: 40, state: "S" });
  });
});

describe("groupMembers", () => {
  it("finds a member that left the group with setsid by its spawn tag", async () => {
    const child = spawnInGroup("sh", ["-c", "setsid sleep 9992 </dev/null >/dev/null 2>&1 & echo $!"], { cwd: "/", env, sandbox });
    const escaped = Number(await firstLine(child));
    await once(child, "exit");
    try {
      const tag = spawnRecord(child)!.tag;
      // Neither its group, nor its session, nor its parent (sh has exited) is the leader's: only the tag.
      expect((await groupMembers(child.pid!, tag, true)).map((m) => m.pid)).toContain(escaped);
      expect(taggedProcesses()).toContainEqual({ pid: escaped, tag });
      expect(`${processTagVar}=${tag}`).toMatch(new RegExp(`^WHARF_PROCESS_TAG=${process.pid}\\.\\d+\\.`));
    } finally {
      await terminateGroup(child, 1000);
    }
    expect(alive(escaped)).toBe(false);
  });

  it("after the leader was reaped, does not mistake a process that reuses the leader's pid for a member", async () => {
    const child = spawnInGroup("sh", ["-c", "sleep 9995 & echo $!"], { cwd: "/", env, sandbox });
    const sleeper = Number(await firstLine(child));
    await once(child, "exit");
    const leader = child.pid!;
    try {
      // Still ours: nothing has the leader's pid, so its group's members count, tag or not.
      expect((await groupMembers(leader, "no-such-tag", true)).map((m) => m.pid)).toContain(sleeper);
      // A live process with the leader's pid means reuse: only the tag counts then.
      expect(await groupMembers(process.ppid, "no-such-tag", true)).toEqual([]);
    } finally {
      await terminateGroup(child, 1000);
    }
    expect(alive(sleeper)).toBe(false);
  });
});

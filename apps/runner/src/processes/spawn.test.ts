import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { firstLine } from "../testing/processes";
import { parseProcStat, processTagVar } from "./proc-scan";
import { spawnInGroup, spawnPtyInGroup, spawnRecord, tagOwner } from "./spawn";
import { terminateGroup } from "./terminate";

const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" };
const statOf = (pid: number) => parseProcStat(readFileSync(`/proc/${pid}/stat`, "latin1"))!;
const environOf = (pid: number) => readFileSync(`/proc/${pid}/environ`, "latin1").split("\0");

describe("spawnInGroup", () => {
  it("starts the process as leader of its own group and session, in its folder, with only the given environment and its tag", async () => {
    const child = spawnInGroup("sh", ["-c", "pwd; exec sleep 9991"], { cwd: "/tmp", env: { ...env, ONLY: "this" } });
    try {
      expect(await firstLine(child)).toBe("/tmp");
      const stat = statOf(child.pid!);
      expect(stat.pgid).toBe(child.pid);
      expect(stat.sid).toBe(child.pid);
      const environ = environOf(child.pid!);
      const tag = spawnRecord(child)!.tag;
      expect(environ).toContain("ONLY=this");
      expect(environ).toContain(`${processTagVar}=${tag}`);
      expect(environ.some((v) => v.startsWith("HOME="))).toBe(false);
      expect(tagOwner(tag)?.pid).toBe(process.pid);
      expect(await spawnRecord(child)!.start).toBeGreaterThan(0);
    } finally {
      await terminateGroup(child, 500);
    }
  });

  it("gives every spawn its own tag", () => {
    const a = spawnInGroup("true", [], { cwd: "/", env });
    const b = spawnInGroup("true", [], { cwd: "/", env });
    expect(spawnRecord(a)!.tag).not.toBe(spawnRecord(b)!.tag);
    return Promise.all([terminateGroup(a, 500), terminateGroup(b, 500)]);
  });
});

describe("spawnPtyInGroup", () => {
  it("starts the program in a pseudo-terminal as its own session leader, tagged, and reports its exit", async () => {
    const child = spawnPtyInGroup("sh", ["-c", 'test -t 0 && echo "tty $WHARF_PROCESS_TAG"; exec sleep 9990'], { cwd: "/", env, cols: 80, rows: 24 });
    const tag = spawnRecord(child)!.tag;
    let output = "";
    const printed = new Promise<void>((resolve) =>
      child.pty.onData((data) => {
        output += data;
        if (output.includes(tag)) resolve();
      }),
    );
    await printed;
    expect(output).toContain(`tty ${tag}`);
    const stat = statOf(child.pid);
    expect(stat.sid).toBe(child.pid);
    expect(stat.pgid).toBe(child.pid);
    await terminateGroup(child, 500);
    expect(child.signalCode ?? child.exitCode).not.toBeNull();
  });

  it("records the exit code of a program that ends on its own", async () => {
    const child = spawnPtyInGroup("sh", ["-c", "exit 3"], { cwd: "/", env, cols: 80, rows: 24 });
    await new Promise<void>((resolve) => child.once("exit", resolve));
    expect(child.exitCode).toBe(3);
    expect(child.signalCode).toBeNull();
  });
});


import { mkdir, mkdtemp, realpath, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TaskEventOf } from "@wharf/api/schemas";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { activeSandbox } from "../sandbox";
import { runningMembers } from "../testing/processes";
import { ConfinementError } from "./confine";
import { RecordingHooks } from "./recording-hooks";
import { hardOutputCap, OutputBuffer, TerminalError, TerminalManager } from "./terminals";

let root: string;
let outside: string;
const managers: TerminalManager[] = [];

beforeAll(async () => {
  const base = await mkdtemp(path.join(tmpdir(), "wharf-term-"));
  root = await realpath(await mkdtemp(path.join(base, "wt-")));
  outside = path.join(base, "outside");
  await mkdir(path.join(root, "sub"));
  await mkdir(outside);
  await symlink(outside, path.join(root, "out-link"));
});
afterEach(async () => {
  for (const m of managers.splice(0)) await m.closeAll();
});
afterAll(async () => {
  await rm(path.dirname(root), { recursive: true, force: true });
});

function manager(env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin" }) {
  const hooks = new RecordingHooks();
  const events: TaskEventOf<"terminal_output">[] = [];
  const m = new TerminalManager({ root, env, onEvent: (e) => events.push(e), log: hooks.log });
  managers.push(m);
  return { m, events, hooks };
}

const streamed = (events: TaskEventOf<"terminal_output">[]) => events.map((e) => e.data).join("");

describe("OutputBuffer", () => {
  it("keeps the newest bytes and cuts at a character boundary", () => {
    const out = new OutputBuffer(5);
    out.append(Buffer.from("ab"));
    expect(out.text()).toBe("ab");
    expect(out.truncated).toBe(false);
    out.append(Buffer.from("c€d")); // 2 + 5 bytes: the last 5 are "c€d"
    expect(out.truncated).toBe(true);
    expect(out.text()).toBe("c€d");
    out.append(Buffer.from("e"));
    expect(out.text()).toBe("€de");
    out.append(Buffer.from("f"));
    expect(out.text()).toBe("def"); // the € no longer fits whole
  });
});

describe("TerminalManager", () => {
  it("runs a command in the worktree with the session env plus its own, and reports the exit", async () => {
    const { m, events } = manager({ PATH: process.env.PATH ?? "/usr/bin:/bin", SESSION_VAR: "s" });
    const id = await m.create({
      command: "sh",
      args: ["-c", 'pwd; echo "$SESSION_VAR $EXTRA ${GIT_DIR:-no-git-dir}"; echo err >&2; exit 3'],
      env: [
        { name: "EXTRA", value: "x" },
        { name: "GIT_DIR", value: "/elsewhere" },
      ],
    });
    expect(await m.waitForExit(id)).toEqual({ exitCode: 3, signal: null });
    const out = m.output(id);
    expect(out.output).toContain(`${root}\n`);
    expect(out.output).toContain("s x no-git-dir\n");
    expect(out.output).toContain("err\n");
    expect(out).toMatchObject({ truncated: false, exitStatus: { exitCode: 3, signal: null } });
    expect(streamed(events)).toBe(out.output);
    expect(events.at(-1)).toMatchObject({ exitCode: 3, signal: null });
    await m.release(id);
    expect(() => m.output(id)).toThrow(TerminalError);
  });

  it("accepts a cwd inside the worktree and refuses one outside", async () => {
    const { m } = manager();
    const id = await m.create({ command: "pwd", cwd: path.join(root, "sub") });
    await m.waitForExit(id);
    expect(m.output(id).output).toBe(`${path.join(root, "sub")}\n`);
    for (const cwd of [outside, path.join(root, ".."), path.join(root, "out-link"), "/"]) {
      await expect(m.create({ command: "pwd", cwd })).rejects.toBeInstanceOf(ConfinementError);
    }
    await expect(m.create({ command: "pwd", cwd: path.join(root, "missing") })).rejects.toBeInstanceOf(TerminalError);
  });

  it("runs a whole command line given as the command through the shell", async () => {
    const { m } = manager();
    const id = await m.create({ command: "echo one && echo two" });
    await m.waitForExit(id);
    expect(m.output(id).output).toBe("one\ntwo\n");
  });

  it("reports a command that does not exist", async () => {
    const { m } = manager();
    await expect(m.create({ command: "wharf-no-such-command" })).rejects.toThrow(/Cannot run "wharf-no-such-command"/);
  });

  it("honours outputByteLimit, keeping the end of the output", async () => {
    const { m } = manager();
    const id = await m.create({ command: "sh", args: ["-c", "seq 1 1000"], outputByteLimit: 20 });
    await m.waitForExit(id);
    const out = m.output(id);
    expect(out.truncated).toBe(true);
    expect(Buffer.byteLength(out.output)).toBeLessThanOrEqual(20);
    expect(out.output.endsWith("999\n1000\n")).toBe(true);
  });

  it("caps output at 1 MiB whatever the agent asks, and streams it in batches", async () => {
    const { m, events } = manager();
    const id = await m.create({ command: "sh", args: ["-c", "head -c 3000000 /dev/zero | tr '\\0' 'a'"], outputByteLimit: 10_000_000 });
    await m.waitForExit(id);
    const out = m.output(id);
    expect(out.truncated).toBe(true);
    expect(out.output.length).toBe(hardOutputCap);
    expect(events.length).toBeLessThan(100);
    expect(streamed(events).length).toBe(3_000_000);
  });

  it("kill stops the command and everything it started; release and closeAll too", async () => {
    const { m } = manager();
    const id = await m.create({ command: "sh", args: ["-c", "sleep 300 & setsid sleep 301 & wait"] });
    const pid = (m as unknown as { terminals: Map<string, { child: { pid: number } }> }).terminals.get(id)!.child.pid;
    await m.kill(id);
    // In the OS sandbox bwrap reports a command ended by SIGTERM as exit code 128 + 15; on a busy
    // machine bwrap may still be exiting at the end of the grace period and get SIGKILL.
    const exit = await m.waitForExit(id);
    expect(activeSandbox().status.on ? ["SIGTERM", 143, "SIGKILL"] : ["SIGTERM"]).toContain(exit.signal ?? exit.exitCode);
    expect(await runningMembers(pid)).toEqual([]);

    const second = await m.create({ command: "sleep", args: ["300"] });
    const secondPid = (m as unknown as { terminals: Map<string, { child: { pid: number } }> }).terminals.get(second)!.child.pid;
    await m.closeAll();
    expect(await runningMembers(secondPid)).toEqual([]);
    await expect(m.create({ command: "true" })).rejects.toThrow(/closing/);
  });
});

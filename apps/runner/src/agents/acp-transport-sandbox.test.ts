import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, realpath, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createWorktree } from "@wharf/git";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { agentEnv } from "../agent-env";
import { activeSandbox } from "../sandbox";
import { makeRepo } from "../testing/git-fixture";
import { pidsWithArg } from "../testing/processes";
import { AcpTransport } from "./acp-transport";
import { RecordingHooks } from "./recording-hooks";
import type { AgentSession, AgentSpec } from "./transport";

/**
 * Warm agents in the OS sandbox: a spare waits in an empty slot folder for the next task of its
 * agent and repository; the task's worktree is made in that folder and the spare works in it.
 */

const testAgentBin = fileURLToPath(new URL("../../node_modules/@wharf/test-agent/bin/wharf-test-agent.mjs", import.meta.url));
const env = agentEnv(process.env, {});

let base: string;
beforeAll(async () => {
  base = path.join(await realpath(tmpdir()), `wharf-warm-sandbox-${randomUUID()}`);
  await mkdir(path.join(base, "worktrees"), { recursive: true });
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

const pidOf = (session: AgentSession) => (session as unknown as { proc: { child: { pid: number } } }).proc.child.pid;

describe.skipIf(!activeSandbox().status.on)("warm agents in the OS sandbox", () => {
  it("hands a task the slot its agent waits in; the agent works in the worktree git made there, and the next spare waits in a new slot", async () => {
    // A marker in the agent's arguments finds its processes in the host's /proc.
    const marker = `wharf-warm-sandbox-${randomUUID()}`;
    const agent: AgentSpec = { id: "scripted", name: "Scripted test agent", transport: "acp", command: process.execPath, args: [testAgentBin, marker], env: {} };
    const hooks = new RecordingHooks();
    const worktreesDir = path.join(base, "worktrees");
    const warm = new AcpTransport({ dir: path.join(base, "warm"), worktreesDir, idleMs: 10_000, graceMs: 500, log: hooks.log, spareDelayMs: 0 });
    try {
      const repo = makeRepo();
      // Without a place to work, no sandboxed spare is started (it could never see a worktree).
      warm.prewarm({ ...agent, id: "other" }, env);
      expect(warm.size).toBe(0);
      const slot = await warm.worktreeFolder(agent, env, repo);
      expect(slot).toBeDefined();
      expect(path.dirname(slot!)).toBe(worktreesDir);
      expect(await readdir(slot!)).toEqual([]);
      const sparePid = await warm.sparePid(agent, env, slot);
      expect(sparePid).toBeDefined();

      const taskId = randomUUID();
      const made = await createWorktree({ repoPath: repo, baseBranch: "main", taskId, worktreesDir, folder: slot! });
      expect(made.path).toBe(slot);
      const session = await warm.start({ agent, cwd: made.path, env, hooks: new RecordingHooks() });
      expect(pidOf(session)).toBe(sparePid);
      // The agent process itself (in the sandbox) writes into the worktree and sees what git put there.
      const scenario = { steps: [{ type: "record", path: path.join(made.path, "record.json") }, { type: "read_file", path: "README.md" }, { type: "text", text: "done" }] };
      await session.prompt(`Go.\n\`\`\`scenario\n${JSON.stringify(scenario)}\n\`\`\``);
      const record = JSON.parse(await readFile(path.join(made.path, "record.json"), "utf8")) as { processCwd: string };
      expect(record.processCwd).toBe(made.path);

      // The next task's agent already waits (or is about to start) in a slot of its own: handing
      // it out starts nothing new.
      const next = await warm.worktreeFolder(agent, env, repo);
      expect(next).not.toBe(slot);
      expect(warm.size).toBe(1);
      const nextPid = await warm.sparePid(agent, env, next);
      expect(nextPid).toBeDefined();
      // That task ends before its worktree is made: its agent stops and the empty slot goes.
      await warm.releaseFolder(next!);
      await session.close(500);
      await warm.close();
      expect(existsSync(next!)).toBe(false);
      expect(pidsWithArg(marker)).toEqual([]);
      // The worktree with the task's work is never touched.
      expect(existsSync(path.join(made.path, "record.json"))).toBe(true);
    } finally {
      await warm.close();
    }
  }, 60_000);

  it("keeps a handed-out slot's spare past the idle time: its task takes it however long its worktree takes", async () => {
    const marker = `wharf-warm-sandbox-${randomUUID()}`;
    const agent: AgentSpec = { id: "scripted", name: "Scripted test agent", transport: "acp", command: process.execPath, args: [testAgentBin, marker], env: {} };
    const hooks = new RecordingHooks();
    const worktreesDir = path.join(base, "worktrees-handed");
    const warm = new AcpTransport({ dir: path.join(base, "warm"), worktreesDir, idleMs: 300, graceMs: 500, log: hooks.log, spareDelayMs: 0 });
    try {
      const slow = makeRepo();
      const handed = (await warm.worktreeFolder(agent, env, slow))!;
      const handedPid = await warm.sparePid(agent, env, handed);
      expect(handedPid).toBeDefined();
      // A task of another repository runs meanwhile; the free spare started after it is not
      // handed out, and expires: more than the idle time has passed since `handed` was handed out.
      const other = makeRepo();
      const otherSlot = (await warm.worktreeFolder(agent, env, other))!;
      const otherTree = await createWorktree({ repoPath: other, baseBranch: "main", taskId: randomUUID(), worktreesDir, folder: otherSlot });
      const otherSession = await warm.start({ agent, cwd: otherTree.path, env, hooks: new RecordingHooks() });
      await vi.waitFor(() => expect(hooks.logs.some((l) => l.msg === "stopping an unused warm agent")).toBe(true), { timeout: 20_000, interval: 50 });
      // The slow task's worktree is made at last: its agent is the one that waited for it.
      const made = await createWorktree({ repoPath: slow, baseBranch: "main", taskId: randomUUID(), worktreesDir, folder: handed });
      const session = await warm.start({ agent, cwd: made.path, env, hooks: new RecordingHooks() });
      expect(pidOf(session)).toBe(handedPid);
      await session.close(500);
      await otherSession.close(500);
      await warm.close();
      expect(pidsWithArg(marker)).toEqual([]);
    } finally {
      await warm.close();
    }
  }, 60_000);

  it("removes the next task's free slot with its spare when the transport closes", async () => {
    const marker = `wharf-warm-sandbox-${randomUUID()}`;
    const agent: AgentSpec = { id: "scripted", name: "Scripted test agent", transport: "acp", command: process.execPath, args: [testAgentBin, marker], env: {} };
    const hooks = new RecordingHooks();
    const worktreesDir = path.join(base, "worktrees-expiry");
    const warm = new AcpTransport({ dir: path.join(base, "warm"), worktreesDir, idleMs: 10_000, graceMs: 500, log: hooks.log, spareDelayMs: 0 });
    try {
      const repo = makeRepo();
      const slot = (await warm.worktreeFolder(agent, env, repo))!;
      const made = await createWorktree({ repoPath: repo, baseBranch: "main", taskId: randomUUID(), worktreesDir, folder: slot });
      const session = await warm.start({ agent, cwd: made.path, env, hooks: new RecordingHooks() });
      await session.close(500);
      // The free slot of the next task, and nothing else, goes when the transport closes.
      await warm.close();
      expect((await readdir(worktreesDir)).sort()).toEqual([path.basename(slot)]);
      expect(pidsWithArg(marker)).toEqual([]);
    } finally {
      await warm.close();
    }
  }, 60_000);
});

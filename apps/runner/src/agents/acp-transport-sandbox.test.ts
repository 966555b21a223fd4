import { randomUUID } from "node:crypto";
import { mkdir, readFile, realpath, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createWorktree } from "@wharf/git";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentEnv } from "../agent-env";
import { activeSandbox } from "../sandbox";
import { makeRepo } from "../testing/git-fixture";
import { pidsWithArg } from "../testing/processes";
import { AcpTransport } from "./acp-transport";
import { RecordingHooks } from "./recording-hooks";
import type { AgentSession, AgentSpec } from "./transport";

/**
 * Warm agents in the OS sandbox: a spare is started for its task, in the folder its worktree will
 * be added to, and still works there once git has made the worktree.
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
  it("starts a claimed task's agent in its future worktree; the task gets that process and it works in the worktree git made", async () => {
    // A marker in the agent's arguments finds its processes in the host's /proc.
    const marker = `wharf-warm-sandbox-${randomUUID()}`;
    const agent: AgentSpec = { id: "scripted", name: "Scripted test agent", transport: "acp", command: process.execPath, args: [testAgentBin, marker], env: {} };
    const hooks = new RecordingHooks();
    const warm = new AcpTransport({ dir: path.join(base, "warm"), idleMs: 10_000, graceMs: 500, log: hooks.log, spareDelayMs: 0 });
    try {
      const repo = makeRepo();
      const taskId = randomUUID();
      const worktree = path.join(base, "worktrees", taskId);
      warm.prewarm(agent, env, { worktree, repository: repo });
      // Without a place to work, no sandboxed spare is started (it could never see a worktree).
      warm.prewarm({ ...agent, id: "other" }, env);
      const sparePid = await warm.sparePid(agent, env, worktree);
      expect(sparePid).toBeDefined();
      expect(warm.size).toBe(1);

      const made = await createWorktree({ repoPath: repo, baseBranch: "main", taskId, worktreesDir: path.join(base, "worktrees") });
      expect(made.path).toBe(worktree);
      const session = await warm.start({ agent, cwd: made.path, env, hooks: new RecordingHooks() });
      expect(pidOf(session)).toBe(sparePid);
      // The agent process itself (in the sandbox) writes into the worktree and sees what git put there.
      const scenario = { steps: [{ type: "record", path: path.join(made.path, "record.json") }, { type: "read_file", path: "README.md" }, { type: "text", text: "done" }] };
      await session.prompt(`Go.\n\`\`\`scenario\n${JSON.stringify(scenario)}\n\`\`\``);
      const record = JSON.parse(await readFile(path.join(made.path, "record.json"), "utf8")) as { processCwd: string };
      expect(record.processCwd).toBe(made.path);
      // No next spare: its worktree is not known yet.
      expect(warm.size).toBe(0);
      await session.close(500);
      expect(pidsWithArg(marker)).toEqual([]);
    } finally {
      await warm.close();
    }
  }, 60_000);
});

import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { createWorktree } from "@wharf/git";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "./logger";
import { newTag } from "./processes/spawn";
import { reconcile } from "./reconcile";
import { makeRepo } from "./testing/git-fixture";
import { startStack, type Stack } from "./testing/stack";

let stack: Stack;
let pool: pg.Pool;
let worktreesDir: string;
beforeAll(async () => {
  stack = await startStack({ inProcessRunner: false });
  pool = new pg.Pool({ connectionString: stack.db.url, max: 2 });
  worktreesDir = realpathSync(mkdtempSync(path.join(os.tmpdir(), "wharf-reconcile-")));
}, 60_000);
afterAll(async () => {
  await pool?.end();
  await stack?.stop();
  rmSync(worktreesDir, { recursive: true, force: true });
}, 30_000);

const folder = (name: string, file?: string) => {
  const dir = path.join(worktreesDir, name);
  mkdirSync(dir, { recursive: true });
  if (file) writeFileSync(path.join(dir, file), "work\n");
  return dir;
};

describe("reconcile at runner start", () => {
  it("removes empty worktree folders no live task or runner uses, and keeps every folder with content", async () => {
    // A task that is still waiting to run: its (empty) folder may be about to get its worktree.
    const project = await stack.api.project.create({ path: makeRepo() });
    await stack.api.agent.upsert({ id: "never-run", name: "Never run", transport: "acp", command: "true", args: [] });
    const queued = await stack.api.task.create({ projectId: project.id, agentId: "never-run", prompt: "wait" });
    const queuedFolder = folder(queued.id);
    // What a task cancelled before its worktree was made left behind, and its like with content.
    const cancelledEmpty = folder(randomUUID());
    const unknownWithWork = folder(randomUUID(), "notes.txt");
    // Slots: of a runner that died (pid 999999 with another start time), and of this live process.
    const deadSlot = folder(`slot-999999.1.${randomUUID()}`);
    const deadSlotWithWork = folder(`slot-999999.1.${randomUUID()}`, "notes.txt");
    const liveSlot = folder(`slot-${newTag()}`);
    // Not Wharf's: never looked at.
    const other = folder("someone-elses");

    await reconcile({ pool, worktreesDir, log: createLogger("reconcile-test") });

    expect(existsSync(cancelledEmpty)).toBe(false);
    expect(existsSync(deadSlot)).toBe(false);
    expect(existsSync(queuedFolder)).toBe(true);
    expect(existsSync(path.join(unknownWithWork, "notes.txt"))).toBe(true);
    expect(existsSync(path.join(deadSlotWithWork, "notes.txt"))).toBe(true);
    expect(existsSync(liveSlot)).toBe(true);
    expect(existsSync(other)).toBe(true);
  }, 30_000);

  it("removes the worktree of a finished task only when it holds no uncommitted work", async () => {
    const repo = makeRepo();
    const project = await stack.api.project.create({ path: repo });
    await stack.api.agent.upsert({ id: "never-run-2", name: "Never run", transport: "acp", command: "true", args: [] });
    const finished = async (file?: string) => {
      const task = await stack.api.task.create({ projectId: project.id, agentId: "never-run-2", prompt: "ended" });
      const worktree = await createWorktree({ repoPath: repo, baseBranch: "main", taskId: task.id, worktreesDir });
      if (file) writeFileSync(path.join(worktree.path, file), "the agent's unrecorded work\n");
      await pool.query(`update task set state = 'failed', worktree_path = $2, branch = $3, base_commit = $4 where id = $1`, [task.id, worktree.path, worktree.branch, worktree.baseCommit]);
      return worktree.path;
    };
    const clean = await finished();
    const dirty = await finished("unrecorded.txt");

    await reconcile({ pool, worktreesDir, log: createLogger("reconcile-test") });

    expect(existsSync(clean)).toBe(false);
    expect(existsSync(path.join(dirty, "unrecorded.txt"))).toBe(true);
  }, 30_000);
});

import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { commitAll } from "./commit-all";
import { silentLogger } from "./logger";
import { createTempDir, createTestRepo, gitOutput } from "./testing";
import { createWorktree, type TaskWorktree } from "./worktree";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function taskWorktree(files: Record<string, string | Buffer>): Promise<TaskWorktree> {
  const repo = await createTestRepo(files);
  const worktreesDir = await createTempDir("wharf-worktrees-");
  cleanups.push(repo.remove, () => rm(worktreesDir, { recursive: true, force: true }));
  return createWorktree({ repoPath: repo.path, baseBranch: "main", taskId: "t1", worktreesDir, logger: silentLogger });
}

describe("commitAll", () => {
  it("commits nothing when nothing changed", async () => {
    const worktree = await taskWorktree({ "a.txt": "a\n" });
    expect(await commitAll({ worktreePath: worktree.path, message: "task" })).toEqual({
      headCommit: worktree.baseCommit,
      changed: false,
    });
  });

  it("commits edits and untracked files, not ignored ones, as Wharf, on the task branch", async () => {
    const worktree = await taskWorktree({ "a.txt": "a\n", ".gitignore": "*.log\n" });
    await writeFile(join(worktree.path, "a.txt"), "b\n");
    await writeFile(join(worktree.path, "new.txt"), "new\n");
    await writeFile(join(worktree.path, "debug.log"), "noise\n");

    const result = await commitAll({ worktreePath: worktree.path, message: "Task: edit a" });
    expect(result.changed).toBe(true);
    const show = (format: string) => gitOutput(worktree.path, "show", "-s", `--format=${format}`, "HEAD");
    expect(await gitOutput(worktree.path, "rev-parse", "wharf/t1")).toBe(result.headCommit);
    expect(await show("%P")).toBe(worktree.baseCommit);
    expect(await show("%an <%ae>|%s")).toBe("Wharf <wharf@localhost>|Task: edit a");
    expect(await gitOutput(worktree.path, "ls-files")).toBe(".gitignore\na.txt\nnew.txt");
    expect(await gitOutput(worktree.path, "status", "--porcelain")).toBe("");
  });
});

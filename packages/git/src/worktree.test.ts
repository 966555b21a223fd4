import { existsSync } from "node:fs";
import { mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { GitError } from "./git-error";
import { listWharfBranches, listWharfWorktrees } from "./list-worktrees";
import { silentLogger } from "./logger";
import { createTempDir, createTestRepo, gitOutput, type TestRepo } from "./testing";
import { createWorktree, discardChange, removeWorktree } from "./worktree";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function setup(): Promise<{ repo: TestRepo; worktreesDir: string }> {
  const repo = await createTestRepo({ "README.md": "# test\n", "src/app.ts": "export const a = 1;\n" });
  const worktreesDir = await createTempDir("wharf-worktrees-");
  cleanups.push(repo.remove, () => rm(worktreesDir, { recursive: true, force: true }));
  return { repo, worktreesDir };
}

const logger = silentLogger;

describe("createWorktree", () => {
  it("creates wharf/<task> at the base branch's tip in <worktreesDir>/<task>", async () => {
    const { repo, worktreesDir } = await setup();
    const tip = await repo.commit({ "b.txt": "b\n" });
    const worktree = await createWorktree({ repoPath: repo.path, baseBranch: "main", taskId: "t1", worktreesDir, logger });

    expect(worktree).toEqual({ path: join(worktreesDir, "t1"), branch: "wharf/t1", baseCommit: tip });
    expect(await readFile(join(worktree.path, "src/app.ts"), "utf8")).toBe("export const a = 1;\n");
    expect(await gitOutput(worktree.path, "symbolic-ref", "--short", "HEAD")).toBe("wharf/t1");
    expect(await gitOutput(worktree.path, "rev-parse", "HEAD")).toBe(tip);
    expect(await listWharfWorktrees(repo.path)).toMatchObject([{ path: worktree.path, branch: "wharf/t1", taskId: "t1", head: tip }]);
    // The user's checkout is untouched.
    expect(await repo.git("status", "--porcelain")).toBe("");
    expect(await repo.git("symbolic-ref", "--short", "HEAD")).toBe("main");
  });

  it("makes the worktree in a given empty folder, and keeps that folder (the same directory) when an earlier attempt is cleaned up", async () => {
    const { repo, worktreesDir } = await setup();
    const slot = join(worktreesDir, "slot-1");
    await mkdir(slot);
    // An earlier attempt of the same task left its branch behind.
    await repo.git("branch", "wharf/t1");
    const before = (await stat(slot)).ino;
    const worktree = await createWorktree({ repoPath: repo.path, baseBranch: "main", taskId: "t1", worktreesDir, folder: slot, logger });

    expect(worktree.path).toBe(slot);
    expect(worktree.branch).toBe("wharf/t1");
    expect((await stat(slot)).ino).toBe(before);
    expect(await readFile(join(slot, "README.md"), "utf8")).toBe("# test\n");
    expect(await listWharfWorktrees(repo.path)).toMatchObject([{ path: slot, branch: "wharf/t1", taskId: "t1" }]);
    expect(existsSync(join(worktreesDir, "t1"))).toBe(false);
  });

  it("gives 8 concurrent tasks on one repository 8 distinct worktrees", async () => {
    const { repo, worktreesDir } = await setup();
    const ids = Array.from({ length: 8 }, (_, i) => `task-${i}`);
    const created = await Promise.all(
      ids.map((taskId) => createWorktree({ repoPath: repo.path, baseBranch: "main", taskId, worktreesDir, logger })),
    );
    expect(new Set(created.map((w) => w.path)).size).toBe(8);
    expect(new Set(created.map((w) => w.branch)).size).toBe(8);
    const listed = await listWharfWorktrees(repo.path);
    expect(listed.map((w) => w.taskId).sort()).toEqual(ids);
    for (const worktree of created) {
      expect(existsSync(join(worktree.path, "src/app.ts"))).toBe(true);
    }
  }, 30_000);

  it("rejects a task id that cannot be a branch name", async () => {
    const { repo, worktreesDir } = await setup();
    await expect(
      createWorktree({ repoPath: repo.path, baseBranch: "main", taskId: "../x", worktreesDir, logger }),
    ).rejects.toMatchObject({ code: "invalid_argument" });
  });

  it("says when the base branch does not exist", async () => {
    const { repo, worktreesDir } = await setup();
    await expect(
      createWorktree({ repoPath: repo.path, baseBranch: "nope", taskId: "t1", worktreesDir, logger }),
    ).rejects.toMatchObject({ code: "not_found", message: expect.stringMatching(/Branch "nope" does not exist/) });
  });

  it("replaces what a crashed earlier attempt left: branch, worktree, folder", async () => {
    const { repo, worktreesDir } = await setup();
    const input = { repoPath: repo.path, baseBranch: "main", taskId: "t1", worktreesDir, logger };

    // A branch without a worktree.
    await repo.git("branch", "wharf/t1", "main");
    await repo.commit({ "new.txt": "new\n" });
    const first = await createWorktree(input);
    expect(first.baseCommit).toBe(await repo.git("rev-parse", "main"));

    // A registered worktree with leftover edits.
    await writeFile(join(first.path, "scratch.txt"), "half-done\n");
    const second = await createWorktree(input);
    expect(second.path).toBe(first.path);
    expect(existsSync(join(second.path, "scratch.txt"))).toBe(false);

    // A folder that is a worktree git has forgotten, and an empty folder.
    await rm(join(repo.path, ".git/worktrees/t1"), { recursive: true });
    await createWorktree(input);
    await removeWorktree({ repoPath: repo.path, path: second.path, branch: "wharf/t1", deleteBranch: true, logger });
    await mkdir(second.path);
    await createWorktree(input);
    expect(await listWharfWorktrees(repo.path)).toHaveLength(1);
  });

  it("never deletes a folder that is not a worktree of the repository", async () => {
    const { repo, worktreesDir } = await setup();
    await mkdir(join(worktreesDir, "t1"));
    await writeFile(join(worktreesDir, "t1", "precious.txt"), "keep me\n");
    const error = await createWorktree({ repoPath: repo.path, baseBranch: "main", taskId: "t1", worktreesDir, logger }).catch(
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(GitError);
    expect(error).toMatchObject({ code: "path_exists" });
    expect(await readFile(join(worktreesDir, "t1", "precious.txt"), "utf8")).toBe("keep me\n");
  });

  it("waits for a lock another process holds, then succeeds", async () => {
    const { repo, worktreesDir } = await setup();
    const lock = join(repo.path, ".git/refs/heads/wharf/t1.lock");
    await mkdir(join(repo.path, ".git/refs/heads/wharf"), { recursive: true });
    await writeFile(lock, "");
    const release = sleep(300).then(() => rm(lock));
    const worktree = await createWorktree({ repoPath: repo.path, baseBranch: "main", taskId: "t1", worktreesDir, logger });
    await release;
    expect(existsSync(join(worktree.path, "README.md"))).toBe(true);
  });

  it("gives up with `busy` when the lock is never released", async () => {
    const { repo, worktreesDir } = await setup();
    await mkdir(join(repo.path, ".git/refs/heads/wharf"), { recursive: true });
    await writeFile(join(repo.path, ".git/refs/heads/wharf/t1.lock"), "");
    await expect(
      createWorktree({ repoPath: repo.path, baseBranch: "main", taskId: "t1", worktreesDir, logger }),
    ).rejects.toMatchObject({ code: "busy", message: expect.stringMatching(/t1\.lock/) });
  }, 20_000);
});

describe("removeWorktree and discardChange", () => {
  it("removes the worktree even with edits, deletes the branch, and can be repeated", async () => {
    const { repo, worktreesDir } = await setup();
    const worktree = await createWorktree({ repoPath: repo.path, baseBranch: "main", taskId: "t1", worktreesDir, logger });
    await writeFile(join(worktree.path, "README.md"), "edited\n");
    await writeFile(join(worktree.path, "untracked.txt"), "x\n");

    const input = { repoPath: repo.path, path: worktree.path, branch: worktree.branch, deleteBranch: true, logger };
    await removeWorktree(input);
    expect(existsSync(worktree.path)).toBe(false);
    expect(await listWharfWorktrees(repo.path)).toEqual([]);
    expect(await listWharfBranches(repo.path)).toEqual([]);
    await removeWorktree(input);
  });

  it("keeps the branch unless asked, and copes with a folder deleted by hand", async () => {
    const { repo, worktreesDir } = await setup();
    const worktree = await createWorktree({ repoPath: repo.path, baseBranch: "main", taskId: "t1", worktreesDir, logger });
    await rm(worktree.path, { recursive: true });
    await removeWorktree({ repoPath: repo.path, path: worktree.path, branch: worktree.branch, deleteBranch: false, logger });
    expect(await listWharfWorktrees(repo.path)).toEqual([]);
    expect(await listWharfBranches(repo.path)).toEqual(["wharf/t1"]);

    await discardChange({ repoPath: repo.path, path: worktree.path, branch: worktree.branch, logger });
    expect(await listWharfBranches(repo.path)).toEqual([]);
  });

  it("refuses to delete a branch that is not Wharf's or to remove the repository itself", async () => {
    const { repo } = await setup();
    await expect(
      removeWorktree({ repoPath: repo.path, path: "/nowhere", branch: "main", deleteBranch: true, logger }),
    ).rejects.toMatchObject({ code: "invalid_argument" });
    await expect(
      removeWorktree({ repoPath: repo.path, path: repo.path, deleteBranch: false, logger }),
    ).rejects.toMatchObject({ code: "invalid_argument" });
    expect(existsSync(join(repo.path, "README.md"))).toBe(true);
  });
});

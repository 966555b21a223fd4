import { access, cp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { commitAll } from "./commit-all";
import { silentLogger } from "./logger";
import { isGitError } from "./git-error";
import { runGit } from "./run-git";
import { createTempDir, createTestRepo, gitOutput } from "./testing";
import { createWorktree, type TaskWorktree } from "./worktree";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function taskWorktree(files: Record<string, string | Buffer>): Promise<TaskWorktree & { repoPath: string }> {
  const repo = await createTestRepo(files);
  const worktreesDir = await createTempDir("wharf-worktrees-");
  cleanups.push(repo.remove, () => rm(worktreesDir, { recursive: true, force: true }));
  return { ...(await createWorktree({ repoPath: repo.path, baseBranch: "main", taskId: "t1", worktreesDir, logger: silentLogger })), repoPath: repo.path };
}

describe("commitAll", () => {
  it("commits nothing when nothing changed", async () => {
    const worktree = await taskWorktree({ "a.txt": "a\n" });
    expect(await commitAll({ repoPath: worktree.repoPath, worktreePath: worktree.path, branch: worktree.branch, message: "task" })).toEqual({
      headCommit: worktree.baseCommit,
      changed: false,
    });
  });

  it("commits edits and untracked files, not ignored ones, as Wharf, on the task branch", async () => {
    const worktree = await taskWorktree({ "a.txt": "a\n", ".gitignore": "*.log\n" });
    await writeFile(join(worktree.path, "a.txt"), "b\n");
    await writeFile(join(worktree.path, "new.txt"), "new\n");
    await writeFile(join(worktree.path, "debug.log"), "noise\n");

    const result = await commitAll({ repoPath: worktree.repoPath, worktreePath: worktree.path, branch: worktree.branch, message: "Task: edit a" });
    expect(result.changed).toBe(true);
    const show = (format: string) => gitOutput(worktree.path, "show", "-s", `--format=${format}`, "HEAD");
    expect(await gitOutput(worktree.path, "rev-parse", "wharf/t1")).toBe(result.headCommit);
    expect(await show("%P")).toBe(worktree.baseCommit);
    expect(await show("%an <%ae>|%s")).toBe("Wharf <wharf@localhost>|Task: edit a");
    expect(await gitOutput(worktree.path, "ls-files")).toBe(".gitignore\na.txt\nnew.txt");
    expect(await gitOutput(worktree.path, "status", "--porcelain")).toBe("");
  });

  /*
   * What an agent can do from inside its sandbox, where its worktree and its admin folder are
   * writable: make git on the host run a program of its choosing. Each case first shows the attack
   * works on git left to find its folders (so the test can fail), then that commitAll does not run it.
   */
  describe("an agent that rewrites the worktree's git links", () => {
    /** A git folder of the agent's making whose config runs a filter that leaves `marker` behind. */
    async function plantedGitDir(worktree: TaskWorktree & { repoPath: string }, marker: string): Promise<string> {
      const evil = join(worktree.path, ".agent-git");
      await cp(join(worktree.repoPath, ".git"), evil, { recursive: true });
      await writeFile(join(evil, "config"), `${await readFile(join(evil, "config"), "utf8")}[filter "x"]\n\tclean = touch ${marker} && cat\n`);
      await writeFile(join(worktree.path, ".gitattributes"), "* filter=x\n");
      return evil;
    }
    const exists = (file: string) => access(file).then(() => true, () => false);
    const adminDir = (worktree: TaskWorktree & { repoPath: string }) => join(worktree.repoPath, ".git", "worktrees", "t1");

    it("refuses a worktree whose .git file leads to the agent's own git folder, and runs nothing", async () => {
      const worktree = await taskWorktree({ "a.txt": "a\n" });
      const marker = join(await createTempDir("wharf-marker-"), "ran");
      const evil = await plantedGitDir(worktree, marker);
      await mkdir(join(evil, "worktrees"), { recursive: true });
      await writeFile(join(worktree.path, ".git"), `gitdir: ${evil}\n`);
      await writeFile(join(worktree.path, "b.txt"), "b\n");

      await runGit(["add", "--all"], { cwd: worktree.path });
      expect(await exists(marker)).toBe(true); // git left to discovery runs the agent's filter
      await rm(marker);

      const error: unknown = await commitAll({ repoPath: worktree.repoPath, worktreePath: worktree.path, branch: worktree.branch, message: "task" }).catch((e: unknown) => e);
      expect(isGitError(error, "invalid_argument")).toBe(true);
      expect(String(error)).toContain("points outside");
      expect(await exists(marker)).toBe(false);
      expect(await gitOutput(worktree.repoPath, "rev-parse", worktree.branch)).toBe(worktree.baseCommit);
    });

    it("ignores an admin folder's commondir that leads to the agent's git folder, and commits the work", async () => {
      const worktree = await taskWorktree({ "a.txt": "a\n" });
      const marker = join(await createTempDir("wharf-marker-"), "ran");
      const evil = await plantedGitDir(worktree, marker);
      await writeFile(join(adminDir(worktree), "commondir"), `${evil}\n`);
      await writeFile(join(worktree.path, "b.txt"), "b\n");

      await runGit(["add", "--all"], { cwd: worktree.path });
      expect(await exists(marker)).toBe(true);
      await rm(marker);
      await runGit(["reset", "--quiet"], { cwd: worktree.path, env: { GIT_DIR: adminDir(worktree), GIT_COMMON_DIR: join(worktree.repoPath, ".git"), GIT_WORK_TREE: worktree.path } });

      const result = await commitAll({ repoPath: worktree.repoPath, worktreePath: worktree.path, branch: worktree.branch, message: "task" });
      expect(result.changed).toBe(true);
      expect(await exists(marker)).toBe(false);
      expect(await gitOutput(worktree.repoPath, "show", `${result.headCommit}:b.txt`)).toBe("b");
    });

    it("commits on the task branch even when the worktree's HEAD names the person's branch", async () => {
      const worktree = await taskWorktree({ "a.txt": "a\n" });
      const main = await gitOutput(worktree.repoPath, "rev-parse", "main");
      await writeFile(join(adminDir(worktree), "HEAD"), "ref: refs/heads/main\n");
      await writeFile(join(worktree.path, "a.txt"), "the agent's a\n");

      const result = await commitAll({ repoPath: worktree.repoPath, worktreePath: worktree.path, branch: worktree.branch, message: "task" });
      expect(await gitOutput(worktree.repoPath, "rev-parse", "main")).toBe(main);
      expect(await gitOutput(worktree.repoPath, "rev-parse", worktree.branch)).toBe(result.headCommit);
      expect(await gitOutput(worktree.repoPath, "show", `${result.headCommit}:a.txt`)).toBe("the agent's a");
    });
  });
});

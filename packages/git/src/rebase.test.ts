import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { commitAll } from "./commit-all";
import { computeChange } from "./compute-change";
import { silentLogger } from "./logger";
import { baseStatus, rebaseTaskBranch } from "./rebase";
import { createTempDir, createTestRepo, type TestRepo } from "./testing";
import { createWorktree, type TaskWorktree } from "./worktree";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const lines = (count: number) => Array.from({ length: count }, (_, i) => `line ${i + 1}\n`).join("");

interface Scenario {
  repo: TestRepo;
  task: TaskWorktree;
  headCommit: string;
  /** The person's uncommitted work in the project checkout, and a check that it is intact. */
  personsWorkIntact: () => Promise<void>;
}

/** A task that changed line 2 of a.txt and added new.txt; the person has edits of their own. */
async function scenario(): Promise<Scenario> {
  const repo = await createTestRepo({ "a.txt": lines(20), "b.txt": "b\n", "mine.txt": "mine\n" });
  const worktreesDir = await createTempDir("wharf-worktrees-");
  cleanups.push(repo.remove, () => rm(worktreesDir, { recursive: true, force: true }));
  const task = await createWorktree({ repoPath: repo.path, baseBranch: "main", taskId: "t1", worktreesDir, logger: silentLogger });
  await writeFile(join(task.path, "a.txt"), lines(20).replace("line 2\n", "line two\n"));
  await writeFile(join(task.path, "new.txt"), "new\n");
  const { headCommit } = await commitAll({ repoPath: repo.path, worktreePath: task.path, branch: task.branch, message: "task turn" });
  await writeFile(join(repo.path, "mine.txt"), "the person's uncommitted edit\n");
  await writeFile(join(repo.path, "scratch.txt"), "the person's untracked file\n");
  return {
    repo,
    task,
    headCommit,
    personsWorkIntact: async () => {
      expect(await readFile(join(repo.path, "mine.txt"), "utf8")).toBe("the person's uncommitted edit\n");
      expect(await readFile(join(repo.path, "scratch.txt"), "utf8")).toBe("the person's untracked file\n");
      expect(await repo.git("status", "--porcelain=v1", "--untracked-files=all")).toBe("M mine.txt\n?? scratch.txt");
    },
  };
}

/** Commits these files on main, leaving the person's other uncommitted work alone. */
async function commitOnMain(repo: TestRepo, files: Record<string, string>): Promise<string> {
  await repo.write(files);
  const paths = Object.keys(files);
  await repo.git("add", "--", ...paths);
  await repo.git("commit", "--quiet", "-m", "moved on main", "--", ...paths);
  return repo.git("rev-parse", "main");
}

const rebase = (repo: TestRepo, task: TaskWorktree, extra: Partial<Parameters<typeof rebaseTaskBranch>[0]> = {}) =>
  rebaseTaskBranch({ repoPath: repo.path, baseBranch: "main", branch: task.branch, logger: silentLogger, ...extra });

describe("baseStatus", () => {
  it("says the base has not moved", async () => {
    const { repo, task, headCommit } = await scenario();
    expect(await baseStatus({ repoPath: repo.path, baseBranch: "main", baseCommit: task.baseCommit, headCommit })).toEqual({
      baseTip: task.baseCommit,
      commitsBehind: 0,
      clean: true,
      conflicts: [],
    });
  });

  it("counts the commits the base moved and whether the change still applies", async () => {
    const { repo, task, headCommit } = await scenario();
    await commitOnMain(repo, { "b.txt": "b on main\n" });
    const tip = await commitOnMain(repo, { "a.txt": lines(20).replace("line 19\n", "line nineteen\n") });
    const input = { repoPath: repo.path, baseBranch: "main", baseCommit: task.baseCommit, headCommit };
    expect(await baseStatus(input)).toEqual({ baseTip: tip, commitsBehind: 2, clean: true, conflicts: [] });

    const conflicting = await commitOnMain(repo, { "a.txt": lines(20).replace("line 2\n", "line 2 on main\n") });
    expect(await baseStatus(input)).toEqual({ baseTip: conflicting, commitsBehind: 3, clean: false, conflicts: ["a.txt"] });
  });
});

describe("rebaseTaskBranch", () => {
  it("moves the change onto the moved base; the diff is recomputable and everyone's edits stay", async () => {
    const { repo, task, headCommit, personsWorkIntact } = await scenario();
    const tip = await commitOnMain(repo, { "b.txt": "b on main\n", "a.txt": lines(20).replace("line 19\n", "line nineteen\n") });
    // The agent left an uncommitted edit in a file the rebase does not touch.
    await writeFile(join(task.path, "notes.txt"), "agent's notes\n");

    const result = await rebase(repo, task);
    expect(result).toMatchObject({ ok: true, rebased: true, baseCommit: tip, previousHead: headCommit });
    if (!result.ok) return;
    expect(await repo.git("rev-parse", task.branch)).toBe(result.headCommit);
    expect(await repo.git("rev-parse", `${result.headCommit}^`)).toBe(tip);
    expect(await repo.git("log", "-1", "--format=%s", result.headCommit)).toBe("task turn");
    // The old tip is still reachable through the reflog.
    expect(await repo.git("reflog", "--format=%H", task.branch)).toContain(headCommit);

    const change = await computeChange({ worktreePath: task.path, baseCommit: result.baseCommit, headCommit: result.headCommit });
    expect(change.files.map((file) => file.path)).toEqual(["a.txt", "new.txt"]);
    expect(change.diff).toContain("+line two");
    expect(change.diff).not.toContain("nineteen");

    // The worktree shows the rebased files, and the agent's uncommitted file is still there.
    const a = await readFile(join(task.path, "a.txt"), "utf8");
    expect(a).toContain("line two\n");
    expect(a).toContain("line nineteen\n");
    expect(await readFile(join(task.path, "b.txt"), "utf8")).toBe("b on main\n");
    expect(await repo.git("-C", task.path, "status", "--porcelain")).toBe("?? notes.txt");
    await personsWorkIntact();

    // Now up to date: nothing to do.
    expect(await rebase(repo, task)).toMatchObject({ ok: true, rebased: false, headCommit: result.headCommit });
  });

  it("on a conflict changes nothing and lists the conflicted files", async () => {
    const { repo, task, headCommit, personsWorkIntact } = await scenario();
    await commitOnMain(repo, { "a.txt": lines(20).replace("line 2\n", "line 2 on main\n") });
    await writeFile(join(task.path, "a.txt"), lines(21).replace("line 2\n", "line two\n"));
    const worktreeBefore = await repo.git("-C", task.path, "status", "--porcelain");

    const result = await rebase(repo, task);
    expect(result).toMatchObject({ ok: false, reason: "conflict", files: ["a.txt"] });
    expect(result.ok || result.message).toMatch(/a\.txt.*Nothing was changed/);
    expect(await repo.git("rev-parse", task.branch)).toBe(headCommit);
    expect(await repo.git("-C", task.path, "status", "--porcelain")).toBe(worktreeBefore);
    expect(await readFile(join(task.path, "a.txt"), "utf8")).toBe(lines(21).replace("line 2\n", "line two\n"));
    await personsWorkIntact();
  });

  it("refuses while the agent has uncommitted edits in a file the rebase changes, unless asked to commit them", async () => {
    const { repo, task, headCommit, personsWorkIntact } = await scenario();
    await commitOnMain(repo, { "b.txt": "b on main\n" });
    await writeFile(join(task.path, "b.txt"), "the agent's edit of b\n");

    expect(await rebase(repo, task)).toMatchObject({ ok: false, reason: "dirty", files: ["b.txt"] });
    expect(await repo.git("rev-parse", task.branch)).toBe(headCommit);
    expect(await readFile(join(task.path, "b.txt"), "utf8")).toBe("the agent's edit of b\n");

    // Committed first, the edit conflicts with main's change of b.txt: still nothing lost.
    const committed = await rebase(repo, task, { commitPendingMessage: "agent's pending edits" });
    expect(committed).toMatchObject({ ok: false, reason: "conflict", files: ["b.txt"] });
    expect(await repo.git("show", `${task.branch}:b.txt`)).toBe("the agent's edit of b");
    expect(await repo.git("-C", task.path, "status", "--porcelain")).toBe("");
    await personsWorkIntact();
  });

  it("commits the agent's pending edits when asked, then rebases them too", async () => {
    const { repo, task, personsWorkIntact } = await scenario();
    const tip = await commitOnMain(repo, { "b.txt": "b on main\n" });
    await writeFile(join(task.path, "new.txt"), "new, edited after the turn\n");

    const result = await rebase(repo, task, { commitPendingMessage: "agent's pending edits", message: "Rebased task" });
    expect(result).toMatchObject({ ok: true, rebased: true, baseCommit: tip });
    if (!result.ok) return;
    expect(await repo.git("show", `${result.headCommit}:new.txt`)).toBe("new, edited after the turn");
    expect(await repo.git("log", "-1", "--format=%s", result.headCommit)).toBe("Rebased task");
    expect(await repo.git("-C", task.path, "status", "--porcelain")).toBe("");
    await personsWorkIntact();
  });

  it("rebases a branch that has no worktree", async () => {
    const { repo, task } = await scenario();
    await repo.git("worktree", "remove", "--force", task.path);
    const tip = await commitOnMain(repo, { "b.txt": "b on main\n" });
    const result = await rebase(repo, task);
    expect(result).toMatchObject({ ok: true, rebased: true, baseCommit: tip });
    expect(await repo.git("show", `${task.branch}:b.txt`)).toBe("b on main");
    expect(await repo.git("show", `${task.branch}:new.txt`)).toBe("new");
  });
});

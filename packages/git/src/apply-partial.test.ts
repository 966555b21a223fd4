import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { applyChange } from "./apply-change";
import { commitAll } from "./commit-all";
import { computeChange } from "./compute-change";
import { silentLogger } from "./logger";
import { createTempDir, createTestRepo, type TestRepo } from "./testing";
import { createWorktree, type TaskWorktree } from "./worktree";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

interface Scenario {
  repo: TestRepo;
  task: TaskWorktree;
  headCommit: string;
  apply: (paths: string[] | undefined, message?: string) => ReturnType<typeof applyChange>;
}

/** A task that changed a.txt, added new.txt, deleted gone.txt and renamed old-name.txt. */
async function scenario(): Promise<Scenario> {
  const repo = await createTestRepo({
    "a.txt": "a\n",
    "b.txt": "b\n",
    "gone.txt": "gone\n",
    "old-name.txt": "a file long enough to be recognised as renamed\nline 2\nline 3\n",
  });
  const worktreesDir = await createTempDir("wharf-worktrees-");
  cleanups.push(repo.remove, () => rm(worktreesDir, { recursive: true, force: true }));
  const task = await createWorktree({ repoPath: repo.path, baseBranch: "main", taskId: "t1", worktreesDir, logger: silentLogger });
  await writeFile(join(task.path, "a.txt"), "a from the task\n");
  await writeFile(join(task.path, "new.txt"), "new\n");
  await rm(join(task.path, "gone.txt"));
  await rm(join(task.path, "old-name.txt"));
  await writeFile(join(task.path, "new-name.txt"), "a file long enough to be recognised as renamed\nline 2\nline 3\n");
  const { headCommit } = await commitAll({ repoPath: repo.path, worktreePath: task.path, branch: task.branch, message: "task turn 1" });
  return {
    repo,
    task,
    headCommit,
    apply: (paths, message = "Apply part of t1") =>
      applyChange({
        repoPath: repo.path,
        baseBranch: "main",
        branch: task.branch,
        baseCommit: task.baseCommit,
        headCommit,
        ...(paths ? { paths } : {}),
        message,
        logger: silentLogger,
      }),
  };
}

const treeFiles = async (repo: TestRepo, rev: string) =>
  (await repo.git("ls-tree", "-r", "--name-only", rev)).split("\n").filter(Boolean).sort();

describe("applyChange with paths", () => {
  it("lands only the chosen files and leaves the rest as the task's change", async () => {
    const { repo, task, headCommit, apply } = await scenario();
    await writeFile(join(repo.path, "b.txt"), "the user's uncommitted edit\n");
    await writeFile(join(repo.path, "scratch.txt"), "untracked\n");

    const result = await apply(["a.txt", "new.txt"], "Take a and new");
    expect(result).toMatchObject({ ok: true, files: ["a.txt", "new.txt"] });
    if (!result.ok || !result.rest) throw new Error(`expected a partial apply, got ${JSON.stringify(result)}`);

    // The base branch got exactly the chosen files, in one commit with the given message.
    expect(await repo.git("rev-parse", "main")).toBe(result.commit);
    expect(await repo.git("show", "-s", "--format=%s", "main")).toBe("Take a and new");
    expect(await treeFiles(repo, "main")).toEqual(["a.txt", "b.txt", "gone.txt", "new.txt", "old-name.txt"]);
    expect(await readFile(join(repo.path, "a.txt"), "utf8")).toBe("a from the task\n");
    expect(await readFile(join(repo.path, "new.txt"), "utf8")).toBe("new\n");
    // The user's own work is as it was.
    expect(await readFile(join(repo.path, "b.txt"), "utf8")).toBe("the user's uncommitted edit\n");
    expect(await repo.git("status", "--porcelain=v1", "--untracked-files=all")).toBe("M b.txt\n?? scratch.txt");

    // The task branch now holds the rest: same files as before, its change without a.txt and new.txt.
    expect(result.rest.files.sort()).toEqual(["gone.txt", "new-name.txt", "old-name.txt"]);
    expect(await repo.git("rev-parse", task.branch)).toBe(result.rest.headCommit);
    expect(await repo.git("rev-parse", `${result.rest.headCommit}^{tree}`)).toBe(await repo.git("rev-parse", `${headCommit}^{tree}`));
    const rest = await computeChange({ worktreePath: task.path, baseCommit: result.rest.baseCommit, headCommit: result.rest.headCommit });
    expect(rest.files.map((file) => [file.status, file.path])).toEqual([
      ["deleted", "gone.txt"],
      ["renamed", "new-name.txt"],
    ]);
    // The task's worktree did not change.
    expect(await readFile(join(task.path, "a.txt"), "utf8")).toBe("a from the task\n");
    expect(await repo.git("-C", task.path, "status", "--porcelain")).toBe("");
  });

  it("applies the rest later without conflicts, ending with the whole change on the base branch", async () => {
    const { repo, task, headCommit, apply } = await scenario();
    const first = await apply(["a.txt"]);
    if (!first.ok || !first.rest) throw new Error("expected a partial apply");
    await repo.commit({ "b.txt": "b moved on main\n" });

    const second = await applyChange({
      repoPath: repo.path,
      baseBranch: "main",
      branch: task.branch,
      baseCommit: first.rest.baseCommit,
      headCommit: first.rest.headCommit,
      message: "The rest",
      logger: silentLogger,
    });
    expect(second).toMatchObject({ ok: true });
    expect(second.ok && second.rest).toBeFalsy();
    expect(await treeFiles(repo, "main")).toEqual(await treeFiles(repo, headCommit));
    expect(await repo.git("show", "main:b.txt")).toBe("b moved on main");
    expect(await repo.git("status", "--porcelain")).toBe("");
  });

  it("takes a rename by either name, with the old file's removal", async () => {
    const { repo, apply } = await scenario();
    const result = await apply(["old-name.txt"]);
    expect(result).toMatchObject({ ok: true, files: ["new-name.txt", "old-name.txt"] });
    expect(await treeFiles(repo, "main")).toEqual(["a.txt", "b.txt", "gone.txt", "new-name.txt"]);
  });

  it("applies a deletion", async () => {
    const { repo, apply } = await scenario();
    expect(await apply(["gone.txt"])).toMatchObject({ ok: true, files: ["gone.txt"] });
    expect(await treeFiles(repo, "main")).toEqual(["a.txt", "b.txt", "old-name.txt"]);
  });

  it("is a plain apply when every file is chosen", async () => {
    const { repo, headCommit, apply } = await scenario();
    const result = await apply(["a.txt", "new.txt", "gone.txt", "new-name.txt"]);
    expect(result.ok && result.rest).toBeUndefined();
    expect(await treeFiles(repo, "main")).toEqual(await treeFiles(repo, headCommit));
  });

  it("refuses paths that are not part of the change and changes nothing", async () => {
    const { repo, task, headCommit, apply } = await scenario();
    const before = await repo.git("rev-parse", "main");
    expect(await apply(["a.txt", "b.txt", "nope.txt"])).toMatchObject({
      ok: false,
      reason: "invalid_paths",
      files: ["b.txt", "nope.txt"],
    });
    expect(await apply([])).toMatchObject({ ok: false, reason: "invalid_paths" });
    expect(await repo.git("rev-parse", "main")).toBe(before);
    expect(await repo.git("rev-parse", task.branch)).toBe(headCommit);
  });

  it("refuses when the user has uncommitted edits in a chosen file, and leaves the task branch alone", async () => {
    const { repo, task, headCommit, apply } = await scenario();
    await writeFile(join(repo.path, "a.txt"), "the user's edit\n");
    const before = await repo.git("rev-parse", "main");
    expect(await apply(["a.txt"])).toMatchObject({ ok: false, reason: "dirty", files: ["a.txt"] });
    expect(await repo.git("rev-parse", "main")).toBe(before);
    expect(await repo.git("rev-parse", task.branch)).toBe(headCommit);
    expect(await readFile(join(repo.path, "a.txt"), "utf8")).toBe("the user's edit\n");
  });

  it("keeps a later turn's commit and the agent's uncommitted edits on the task branch", async () => {
    const { repo, task, apply } = await scenario();
    await writeFile(join(task.path, "a.txt"), "a from turn 2\n");
    await commitAll({ repoPath: repo.path, worktreePath: task.path, branch: task.branch, message: "task turn 2" });
    await writeFile(join(task.path, "wip.txt"), "the agent's uncommitted file\n");

    const result = await apply(["new.txt"]);
    if (!result.ok || !result.rest) throw new Error("expected a partial apply");
    // The reviewed head had a.txt = "a from the task"; the branch's tip (turn 2) is what stays.
    expect(await repo.git("show", `${result.rest.headCommit}:a.txt`)).toBe("a from turn 2");
    expect(await repo.git("show", "main:a.txt")).toBe("a");
    expect(result.rest.files).toContain("a.txt");
    expect(result.rest.files).not.toContain("new.txt");
    expect(await readFile(join(task.path, "wip.txt"), "utf8")).toBe("the agent's uncommitted file\n");
    expect(await repo.git("-C", task.path, "status", "--porcelain")).toBe("?? wip.txt");
  });
});

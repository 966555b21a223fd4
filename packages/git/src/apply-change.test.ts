import { readFile, rm, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { applyChange, squashMessage } from "./apply-change";
import { commitAll } from "./commit-all";
import { silentLogger } from "./logger";
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
  apply: () => ReturnType<typeof applyChange>;
  /** What the user's checkout looks like: tip of main, status, and some file contents. */
  snapshot: () => Promise<unknown>;
}

/** A repository whose task changed line 2 of a.txt and added new.txt. */
async function scenario(): Promise<Scenario> {
  const repo = await createTestRepo({ "a.txt": lines(20), "b.txt": "b\n", "other.txt": "other\n" });
  const worktreesDir = await createTempDir("wharf-worktrees-");
  cleanups.push(repo.remove, () => rm(worktreesDir, { recursive: true, force: true }));
  const task = await createWorktree({ repoPath: repo.path, baseBranch: "main", taskId: "t1", worktreesDir, logger: silentLogger });
  await writeFile(join(task.path, "a.txt"), lines(20).replace("line 2\n", "line two\n"));
  await writeFile(join(task.path, "new.txt"), "new\n");
  const { headCommit } = await commitAll({ repoPath: repo.path, worktreePath: task.path, branch: task.branch, message: "task" });
  const read = (file: string) => readFile(join(repo.path, file), "utf8").catch(() => null);
  return {
    repo,
    task,
    headCommit,
    apply: () =>
      applyChange({
        repoPath: repo.path,
        baseBranch: "main",
        branch: task.branch,
        baseCommit: task.baseCommit,
        headCommit,
        message: squashMessage("Rename line two", "t1"),
        logger: silentLogger,
      }),
    snapshot: async () => ({
      tip: await repo.git("rev-parse", "main"),
      status: await repo.git("status", "--porcelain=v1", "--untracked-files=all"),
      a: await read("a.txt"),
      other: await read("other.txt"),
      new: await read("new.txt"),
    }),
  };
}

describe("applyChange", () => {
  it("lands the change as one commit and keeps the user's unrelated uncommitted work", async () => {
    const { repo, task, apply } = await scenario();
    await writeFile(join(repo.path, "other.txt"), "user edit\n");
    await writeFile(join(repo.path, "b.txt"), "staged edit\n");
    await repo.git("add", "b.txt");
    await writeFile(join(repo.path, "scratch.txt"), "user's untracked file\n");

    const result = await apply();
    expect(result).toMatchObject({ ok: true, files: ["a.txt", "new.txt"] });
    if (!result.ok) return;

    expect(await repo.git("rev-parse", "main")).toBe(result.commit);
    expect(await repo.git("rev-parse", `${result.commit}^`)).toBe(task.baseCommit);
    expect(await repo.git("show", "-s", "--format=%s", "main")).toBe("Rename line two (wharf task t1)");
    expect(await readFile(join(repo.path, "new.txt"), "utf8")).toBe("new\n");
    expect(await readFile(join(repo.path, "a.txt"), "utf8")).toContain("line two\n");
    expect(await readFile(join(repo.path, "other.txt"), "utf8")).toBe("user edit\n");
    expect(await repo.git("status", "--porcelain=v1", "--untracked-files=all")).toBe(
      "M  b.txt\n M other.txt\n?? scratch.txt",
    );
    expect(await repo.git("diff", "--cached", "--name-only")).toBe("b.txt");
  });

  it("applies over files the user touched without changing them", async () => {
    const { repo, apply } = await scenario();
    const later = new Date(Date.now() + 5000);
    await utimes(join(repo.path, "a.txt"), later, later);
    expect((await apply()).ok).toBe(true);
    expect(await readFile(join(repo.path, "a.txt"), "utf8")).toContain("line two\n");
    expect(await repo.git("status", "--porcelain")).toBe("");
  });

  it("still applies when the base branch moved on with unrelated commits", async () => {
    const { repo, apply } = await scenario();
    await repo.commit({ "b.txt": "b changed on main\n" });
    await repo.commit({ "a.txt": lines(20).replace("line 19\n", "line nineteen\n") });

    const result = await apply();
    expect(result.ok).toBe(true);
    const a = await readFile(join(repo.path, "a.txt"), "utf8");
    expect(a).toContain("line two\n");
    expect(a).toContain("line nineteen\n");
    expect(await readFile(join(repo.path, "b.txt"), "utf8")).toBe("b changed on main\n");
    expect(await repo.git("status", "--porcelain")).toBe("");
    expect(await repo.git("rev-list", "--count", "main")).toBe("4");
  });

  it("reports a conflict with the files and changes nothing", async () => {
    const { repo, apply, snapshot } = await scenario();
    await repo.commit({ "a.txt": lines(20).replace("line 2\n", "line 2 from main\n") });
    await writeFile(join(repo.path, "other.txt"), "user edit\n");
    const before = await snapshot();

    const result = await apply();
    expect(result).toMatchObject({ ok: false, reason: "conflict", files: ["a.txt"] });
    expect(result.ok || result.message).toMatch(/conflicts with main.*a\.txt/);
    expect(await snapshot()).toEqual(before);
  });

  it("refuses when the user has uncommitted edits in a file the change touches", async () => {
    const { repo, apply, snapshot } = await scenario();
    await writeFile(join(repo.path, "a.txt"), lines(21));
    const before = await snapshot();

    const result = await apply();
    expect(result).toMatchObject({ ok: false, reason: "dirty", files: ["a.txt"] });
    expect(result.ok || result.message).toMatch(/uncommitted changes.*a\.txt.*git stash/);
    expect(await snapshot()).toEqual(before);
  });

  it("refuses when an untracked file is where the change adds one", async () => {
    const { repo, apply, snapshot } = await scenario();
    await writeFile(join(repo.path, "new.txt"), "the user's own new.txt\n");
    const before = await snapshot();

    expect(await apply()).toMatchObject({ ok: false, reason: "dirty", files: ["new.txt"] });
    expect(await snapshot()).toEqual(before);
  });

  it("only moves the branch when the user has another branch checked out", async () => {
    const { repo, apply } = await scenario();
    await repo.git("switch", "--quiet", "-c", "feature");
    await writeFile(join(repo.path, "a.txt"), "user's work on feature\n");

    const result = await apply();
    expect(result.ok).toBe(true);
    expect(await repo.git("show", "main:new.txt")).toBe("new");
    expect(await readFile(join(repo.path, "a.txt"), "utf8")).toBe("user's work on feature\n");
    expect(await repo.git("status", "--porcelain")).toBe("M a.txt");
  });

  it("says nothing needed doing when the base branch already has the change", async () => {
    const { repo, apply } = await scenario();
    const tip = await repo.commit({ "a.txt": lines(20).replace("line 2\n", "line two\n"), "new.txt": "new\n" });
    expect(await apply()).toEqual({ ok: true, commit: tip, files: [] });
  });

  it("refuses while a merge is in progress in the user's checkout", async () => {
    const { repo, apply, snapshot } = await scenario();
    await writeFile(join(repo.path, ".git/MERGE_HEAD"), `${await repo.git("rev-parse", "main")}\n`);
    const before = await snapshot();
    expect(await apply()).toMatchObject({ ok: false, reason: "busy" });
    expect(await snapshot()).toEqual(before);
  });

  it("waits while another git process holds the user's index lock", async () => {
    const { repo, apply } = await scenario();
    const lock = join(repo.path, ".git/index.lock");
    await writeFile(lock, "");
    const release = sleep(300).then(() => rm(lock));
    const result = await apply();
    await release;
    expect(result.ok).toBe(true);
    expect(await repo.git("status", "--porcelain")).toBe("");
  });
});

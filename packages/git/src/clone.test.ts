import { existsSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BundleTooLargeError, checkCloneUrl, createBundle, ensureClone, fetchBranch, importBundle, RemoteReadError } from "./clone";
import { commitAll } from "./commit-all";
import { checkoutTaskBranch, createWorktree, releaseTaskBranch } from "./worktree";
import { createTempDir, createTestRepo, gitOutput, startPasswordServer } from "./testing";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A bare repository with `main` (one commit), as a project's URL; and a scratch folder. */
async function remote() {
  const repo = await createTestRepo({ "a.txt": "a\n" });
  const root = await createTempDir("wharf-clone-");
  cleanups.push(repo.remove, () => rm(root, { recursive: true, force: true }));
  const bare = join(root, "remote.git");
  await gitOutput(root, "init", "--quiet", "--bare", "--initial-branch=main", bare);
  await repo.git("push", "--quiet", bare, "main");
  return { repo, bare, root };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe("clone URLs", () => {
  it("reads a URL's default branch and refuses a missing or empty one with a reason", async () => {
    const { bare, root } = await remote();
    expect(await checkCloneUrl(bare)).toEqual({ defaultBranch: "main", branches: ["main"] });
    const missing = await rejection(checkCloneUrl(join(root, "nothing.git")));
    expect(missing).toBeInstanceOf(RemoteReadError);
    expect((missing as RemoteReadError).kind).toBe("unreachable");
    await gitOutput(root, "init", "--quiet", "--bare", join(root, "empty.git"));
    const empty = await rejection(checkCloneUrl(join(root, "empty.git")));
    expect((empty as RemoteReadError).kind).toBe("empty");
    expect((empty as Error).message).toMatch(/has no branches yet/);
  });

  it("never prompts: a server asking for a password is a refusal with what to do, at once", async () => {
    const server = await startPasswordServer();
    cleanups.push(server.close);
    const refused = await rejection(checkCloneUrl(server.url("/private.git"), { timeoutMs: 20_000 }));
    expect(refused).toBeInstanceOf(RemoteReadError);
    expect((refused as RemoteReadError).kind).toBe("auth");
    expect((refused as Error).message).toMatch(/was refused: .*Wharf never prompts for credentials/);
  });

  it("clones once, fetches the base branch per task, and makes worktrees in the clone", async () => {
    const { repo, bare, root } = await remote();
    const dir = join(root, "repos", "p1");
    const [first, second] = await Promise.all([ensureClone({ url: bare, dir }), ensureClone({ url: bare, dir })]);
    expect([first, second].sort()).toEqual([false, true]);
    expect(await ensureClone({ url: bare, dir })).toBe(false);
    // No branch is checked out there, so a fetch may move any.
    expect(await gitOutput(dir, "symbolic-ref", "-q", "--short", "HEAD").catch(() => "detached")).toBe("detached");

    const moved = await repo.commit({ "b.txt": "b\n" }, "moved");
    await repo.git("push", "--quiet", bare, "main");
    expect(await fetchBranch({ repoPath: dir, url: bare, branch: "main" })).toBe(moved);

    const worktree = await createWorktree({ repoPath: dir, baseBranch: "main", taskId: "t1", worktreesDir: join(root, "worktrees") });
    expect(worktree.baseCommit).toBe(moved);
    expect(existsSync(join(worktree.path, "b.txt"))).toBe(true);

    const gone = await rejection(fetchBranch({ repoPath: dir, url: join(root, "gone.git"), branch: "main" }));
    expect(gone).toBeInstanceOf(RemoteReadError);
    expect((gone as Error).message).toMatch(/Fetching main from .*gone\.git failed/);
  });

  it("carries a task branch to another repository in a bundle, and a follow-up continues from it", async () => {
    const { bare, root } = await remote();
    const runnerClone = join(root, "runner");
    await ensureClone({ url: bare, dir: runnerClone });
    const worktree = await createWorktree({ repoPath: runnerClone, baseBranch: "main", taskId: "t2", worktreesDir: join(root, "wt-runner") });
    await writeFile(join(worktree.path, "a.txt"), "a from the task\n");
    const { headCommit } = await commitAll({ repoPath: runnerClone, worktreePath: worktree.path, branch: worktree.branch, message: "task" });
    const { bundle } = await createBundle({ repoPath: runnerClone, branch: worktree.branch, baseCommit: worktree.baseCommit, maxBytes: 1 << 20 });

    const tooSmall = await rejection(createBundle({ repoPath: runnerClone, branch: worktree.branch, baseCommit: worktree.baseCommit, maxBytes: 10 }));
    expect(tooSmall).toBeInstanceOf(BundleTooLargeError);

    // Another host's clone: it has the base, not the branch.
    const other = join(root, "other");
    await ensureClone({ url: bare, dir: other });
    expect(await importBundle({ repoPath: other, bundle, branch: worktree.branch, headCommit })).toBe(true);
    expect(await gitOutput(other, "rev-parse", worktree.branch)).toBe(headCommit);
    expect(await importBundle({ repoPath: other, bundle, branch: worktree.branch, headCommit })).toBe(false);

    const continued = await checkoutTaskBranch({ repoPath: other, taskId: "t2", worktreesDir: join(root, "wt-other") });
    expect(await gitOutput(continued.path, "rev-parse", "HEAD")).toBe(headCommit);

    // The next turn runs on the first host again: its own stale worktree of the branch goes first.
    await writeFile(join(continued.path, "a.txt"), "second turn\n");
    const second = await commitAll({ repoPath: other, worktreePath: continued.path, branch: continued.branch, message: "turn 2" });
    const { bundle: again } = await createBundle({ repoPath: other, branch: continued.branch, baseCommit: worktree.baseCommit, maxBytes: 1 << 20 });
    await releaseTaskBranch({ repoPath: runnerClone, taskId: "t2" });
    expect(existsSync(worktree.path)).toBe(false);
    await importBundle({ repoPath: runnerClone, bundle: again, branch: worktree.branch, headCommit: second.headCommit });
    const back = await checkoutTaskBranch({ repoPath: runnerClone, taskId: "t2", worktreesDir: join(root, "wt-runner") });
    expect(await readFile(join(back.path, "a.txt"), "utf8")).toBe("second turn\n");
  });

  it("starts a bundle at `since` when the repository has it: a base made on one host travels with the branch", async () => {
    const { bare, root } = await remote();
    const runnerClone = join(root, "runner");
    await ensureClone({ url: bare, dir: runnerClone });
    const worktree = await createWorktree({ repoPath: runnerClone, baseBranch: "main", taskId: "t4", worktreesDir: join(root, "wt") });
    await writeFile(join(worktree.path, "part-a.txt"), "a\n");
    const first = await commitAll({ repoPath: runnerClone, worktreePath: worktree.path, branch: worktree.branch, message: "part a" });
    await writeFile(join(worktree.path, "part-b.txt"), "b\n");
    const second = await commitAll({ repoPath: runnerClone, worktreePath: worktree.path, branch: worktree.branch, message: "part b" });
    expect(first.changed).toBe(true);
    // `first` stands in for a base only this host has (what a partial apply builds the rest on).
    const made = await createBundle({ repoPath: runnerClone, branch: worktree.branch, baseCommit: first.headCommit, since: worktree.baseCommit, maxBytes: 1 << 20 });
    expect(made.startsAt).toBe(worktree.baseCommit);
    const other = join(root, "other");
    await ensureClone({ url: bare, dir: other });
    expect(await importBundle({ repoPath: other, bundle: made.bundle, branch: worktree.branch, headCommit: second.headCommit })).toBe(true);

    // A `since` this repository does not have: the bundle starts at the base.
    const unknown = "0".repeat(40);
    const fallback = await createBundle({ repoPath: runnerClone, branch: worktree.branch, baseCommit: first.headCommit, since: unknown, maxBytes: 1 << 20 });
    expect(fallback.startsAt).toBe(first.headCommit);
    const fresh = join(root, "fresh");
    await ensureClone({ url: bare, dir: fresh });
    const lacking = await rejection(importBundle({ repoPath: fresh, bundle: fallback.bundle, branch: worktree.branch, headCommit: second.headCommit }));
    expect((lacking as Error).message).toMatch(/prerequisite/);
  });

  it("fetches the base from the URL when the importing repository lacks it", async () => {
    const { repo, bare, root } = await remote();
    const web = join(root, "web");
    await ensureClone({ url: bare, dir: web });
    // The base moves after the web host cloned; a runner starts from the new base.
    await repo.commit({ "c.txt": "c\n" }, "newer base");
    await repo.git("push", "--quiet", bare, "main");
    const runnerClone = join(root, "runner");
    await ensureClone({ url: bare, dir: runnerClone });
    const worktree = await createWorktree({ repoPath: runnerClone, baseBranch: "main", taskId: "t3", worktreesDir: join(root, "wt") });
    await writeFile(join(worktree.path, "d.txt"), "d\n");
    const { headCommit } = await commitAll({ repoPath: runnerClone, worktreePath: worktree.path, branch: worktree.branch, message: "task" });
    const { bundle } = await createBundle({ repoPath: runnerClone, branch: worktree.branch, baseCommit: worktree.baseCommit, maxBytes: 1 << 20 });

    const lacking = await rejection(importBundle({ repoPath: web, bundle, branch: worktree.branch, headCommit }));
    expect((lacking as Error).message).toMatch(/Could not import the commits of wharf\/t3/);
    await importBundle({ repoPath: web, bundle, branch: worktree.branch, headCommit, source: { url: bare, baseBranch: "main" } });
    expect(await gitOutput(web, "rev-parse", worktree.branch)).toBe(headCommit);
  });
});

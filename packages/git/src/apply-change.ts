import { lstat } from "node:fs/promises";
import { join } from "node:path";
import { isGitError } from "./git-error";
import { listWorktrees } from "./list-worktrees";
import { type Logger, stderrLogger } from "./logger";
import { mergeTrees } from "./merge-trees";
import { updateRefWhile } from "./ref-transaction";
import { withRepoLock } from "./repo-lock";
import { type Identity, runGit } from "./run-git";

export interface ApplyChangeInput {
  repoPath: string;
  baseBranch: string;
  /** The task branch (`wharf/<taskId>`), for messages. */
  branch: string;
  baseCommit: string;
  /** The reviewed commit; what is applied even if the branch moved on since. */
  headCommit: string;
  /** Message of the commit made on the base branch, e.g. squashMessage(title, taskId). */
  message: string;
  /** Author and committer of that commit; defaults to Wharf's identity. */
  identity?: Identity;
  logger?: Logger;
}

export type ApplyFailureReason = "conflict" | "dirty" | "busy" | "not_found";

export type ApplyChangeResult =
  | {
      ok: true;
      /** The new tip of the base branch (or its old tip when it already had the change). */
      commit: string;
      /** Paths the base branch changed in; empty when it already had the change. */
      files: string[];
    }
  | { ok: false; reason: ApplyFailureReason; message: string; files?: string[] };

/** How often the whole apply is tried when the base branch moves under it. */
const maxAttempts = 3;

export function squashMessage(title: string, taskId: string): string {
  return `${title.trim() || "Task"} (wharf task ${taskId})`;
}

/**
 * Puts the task's change onto the base branch as one commit, without touching the user's
 * uncommitted work:
 *
 * 1. The merge of the base branch's tip and the task's head is computed in git's object store
 *    (`merge-tree --write-tree`), so no work tree or index is involved; conflicts end here.
 * 2. A commit with that tree and the base tip as only parent is written (`commit-tree`).
 * 3. If no worktree has the base branch checked out, the ref is moved (compare-and-swap).
 *    Otherwise the files the commit changes must have no uncommitted edits there (else `dirty`,
 *    listing them); then, holding the ref's lock, `read-tree -m -u` moves just those paths in
 *    that worktree's index and files from the old tip to the new one (git checks again and
 *    refuses rather than overwrite), and the ref is committed. Every other edit, staged or not,
 *    stays as it was.
 *
 * Failures leave the repository exactly as it was.
 */
export async function applyChange(input: ApplyChangeInput): Promise<ApplyChangeResult> {
  return withRepoLock(input.repoPath, async () => {
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const result = await tryApply(input);
      if (result !== "base_moved") return result;
      (input.logger ?? stderrLogger).info("base branch moved while applying, retrying", {
        repoPath: input.repoPath,
        baseBranch: input.baseBranch,
        attempt,
      });
    }
    return {
      ok: false,
      reason: "busy",
      message: `The branch ${input.baseBranch} kept changing while Wharf applied the change. Try again.`,
    };
  });
}

async function tryApply(input: ApplyChangeInput): Promise<ApplyChangeResult | "base_moved"> {
  const repo = input.repoPath;
  const logging = input.logger ? { logger: input.logger } : {};
  const ref = `refs/heads/${input.baseBranch}`;
  const [baseTip, head] = await Promise.all([resolveCommit(repo, ref), resolveCommit(repo, input.headCommit)]);
  if (baseTip === undefined) {
    return {
      ok: false,
      reason: "not_found",
      message: `Branch ${input.baseBranch} does not exist in ${repo} any more. Create it again, or change the project's base branch.`,
    };
  }
  if (head === undefined) {
    return {
      ok: false,
      reason: "not_found",
      message: `The task's commit ${input.headCommit} (branch ${input.branch}) is missing from ${repo}; the change cannot be applied.`,
    };
  }

  const merge = await mergeTrees(repo, baseTip, head);
  if (!merge.clean) {
    const list = merge.conflicts.join(", ");
    return {
      ok: false,
      reason: "conflict",
      files: merge.conflicts,
      message: `The change conflicts with ${input.baseBranch}, which changed the same places since the task started: ${list}. Nothing was changed. Resolve by merging ${input.branch} yourself, or run the task again from the current ${input.baseBranch}.`,
    };
  }
  const baseTree = (await runGit(["rev-parse", `${baseTip}^{tree}`], { cwd: repo })).stdout.trim();
  if (merge.tree === baseTree) return { ok: true, commit: baseTip, files: [] };

  const commit = (
    await runGit(["commit-tree", merge.tree, "-p", baseTip, "-m", input.message], {
      cwd: repo,
      ...(input.identity ? { identity: input.identity } : {}),
    })
  ).stdout.trim();
  const changed = await changedPaths(repo, baseTip, commit);
  const files = changed.map((entry) => entry.path);
  const reflogMessage = `wharf: apply ${input.branch}`;

  const checkout = (await listWorktrees(repo)).find(
    (worktree) => worktree.branch === input.baseBranch && !worktree.prunable,
  );
  if (checkout === undefined) {
    try {
      await runGit(["update-ref", "-m", reflogMessage, ref, commit, baseTip], { cwd: repo, ...logging });
    } catch (error) {
      if (isGitError(error, "git_failed") && /but expected/.test(error.stderr ?? "")) return "base_moved";
      throw error;
    }
    return { ok: true, commit, files };
  }

  const worktree = checkout.path;
  const busy = await operationInProgress(worktree);
  if (busy) {
    return {
      ok: false,
      reason: "busy",
      message: `${worktree} is in the middle of a ${busy}. Finish or abort it, then apply again.`,
    };
  }
  const dirty = await dirtyPaths(worktree, changed);
  if (dirty.length > 0) return dirtyResult(input.baseBranch, worktree, dirty);

  try {
    const outcome = await updateRefWhile(
      { cwd: repo, ref, newValue: commit, oldValue: baseTip, reflogMessage, ...logging },
      async () => {
        // Like `git checkout`, refresh stat data first so files touched but unchanged pass.
        await runGit(["update-index", "--refresh"], { cwd: worktree, okExitCodes: [1], ...logging });
        await runGit(["read-tree", "-m", "-u", baseTip, commit], { cwd: worktree, ...logging });
      },
    );
    if (outcome === "ref_moved") return "base_moved";
  } catch (error) {
    if (isGitError(error, "git_failed") && error.command?.[0] === "read-tree") {
      // git found local edits our own check did not (they appeared meanwhile); nothing changed.
      return dirtyResult(input.baseBranch, worktree, pathsInReadTreeError(error.stderr ?? ""), error.stderr);
    }
    throw error;
  }
  return { ok: true, commit, files };
}

function dirtyResult(baseBranch: string, worktree: string, files: string[], detail?: string): ApplyChangeResult {
  const list = files.length > 0 ? files.join(", ") : (detail ?? "some files");
  return {
    ok: false,
    reason: "dirty",
    files,
    message: `You have uncommitted changes in ${worktree} to files this change touches: ${list}. Commit or stash them (git stash), then apply again. Nothing was changed on ${baseBranch}.`,
  };
}

async function resolveCommit(repo: string, rev: string): Promise<string | undefined> {
  const result = await runGit(["rev-parse", "-q", "--verify", `${rev}^{commit}`], { cwd: repo, okExitCodes: [1, 128] });
  return result.exitCode === 0 ? result.stdout.trim() : undefined;
}

interface ChangedPath {
  path: string;
  added: boolean;
}

async function changedPaths(repo: string, from: string, to: string): Promise<ChangedPath[]> {
  const result = await runGit(["diff-tree", "-r", "-z", "--no-renames", "--name-status", from, to], { cwd: repo });
  const fields = result.stdout.split("\0");
  const changed: ChangedPath[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const status = fields[i] ?? "";
    const path = fields[i + 1] ?? "";
    if (status !== "" && path !== "") changed.push({ path, added: status === "A" });
  }
  return changed;
}

/** Paths among `changed` that the worktree has edits in, or where a file is in the way. */
async function dirtyPaths(worktree: string, changed: ChangedPath[]): Promise<string[]> {
  const status = await runGit(
    ["--no-optional-locks", "status", "--porcelain=v1", "-z", "--untracked-files=no", "--no-renames", "--ignore-submodules=none"],
    { cwd: worktree },
  );
  const edited = new Set<string>();
  for (const entry of status.stdout.split("\0")) {
    if (entry.length > 3) edited.add(entry.slice(3));
  }
  const dirty: string[] = [];
  for (const { path, added } of changed) {
    if (edited.has(path) || (added && (await occupied(join(worktree, path))))) dirty.push(path);
  }
  return dirty;
}

/** Whether something (an untracked or ignored file, or a file where a folder must go) is at `path`. */
async function occupied(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOTDIR";
  }
}

async function operationInProgress(worktree: string): Promise<string | undefined> {
  const gitDir = (
    await runGit(["rev-parse", "--path-format=absolute", "--git-dir"], { cwd: worktree })
  ).stdout.trim();
  const markers: Array<[string, string]> = [
    ["MERGE_HEAD", "merge"],
    ["CHERRY_PICK_HEAD", "cherry-pick"],
    ["REVERT_HEAD", "revert"],
    ["rebase-merge", "rebase"],
    ["rebase-apply", "rebase"],
  ];
  for (const [name, operation] of markers) {
    if (await occupied(join(gitDir, name))) return operation;
  }
  return undefined;
}

function pathsInReadTreeError(stderr: string): string[] {
  const paths = new Set<string>();
  for (const match of stderr.matchAll(/'([^']+)'/g)) {
    if (match[1]) paths.add(match[1]);
  }
  return [...paths];
}


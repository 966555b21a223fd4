import { lstat } from "node:fs/promises";
import { join } from "node:path";
import { isGitError } from "./git-error";
import type { Logger } from "./logger";
import { type PinnedWorktree, pinnedEnv, pinWorktree } from "./pinned-worktree";
import { updateRefWhile } from "./ref-transaction";
import { runGit } from "./run-git";

/*
 * What a checkout looks like right now, for operations that must not touch a person's (or an
 * agent's) uncommitted work: the files a commit-to-commit move would change, which of them have
 * edits, and whether a merge or rebase is under way.
 */

export async function resolveCommit(repo: string, rev: string): Promise<string | undefined> {
  const result = await runGit(["rev-parse", "-q", "--verify", `${rev}^{commit}`], { cwd: repo, okExitCodes: [1, 128] });
  return result.exitCode === 0 ? result.stdout.trim() : undefined;
}

export interface ChangedPath {
  path: string;
  added: boolean;
}

export async function changedPaths(repo: string, from: string, to: string): Promise<ChangedPath[]> {
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
async function dirtyPaths(pin: PinnedWorktree, changed: ChangedPath[]): Promise<string[]> {
  const worktree = pin.workTree;
  const status = await runGit(
    ["--no-optional-locks", "status", "--porcelain=v1", "-z", "--untracked-files=no", "--no-renames", "--ignore-submodules=none"],
    { cwd: worktree, env: pinnedEnv(pin) },
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
    await lstat(/* turbopackIgnore: true */ path);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOTDIR";
  }
}

async function operationInProgress(gitDir: string): Promise<string | undefined> {
  const markers: Array<[string, string]> = [
    ["MERGE_HEAD", "merge"],
    ["CHERRY_PICK_HEAD", "cherry-pick"],
    ["REVERT_HEAD", "revert"],
    ["rebase-merge", "rebase"],
    ["rebase-apply", "rebase"],
  ];
  for (const [name, operation] of markers) {
    if (await occupied(join(/* turbopackIgnore: true */ gitDir, name))) return operation;
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


export type MoveCheckoutOutcome =
  | { outcome: "moved" }
  | { outcome: "ref_moved" }
  | { outcome: "busy"; operation: string }
  | { outcome: "dirty"; files: string[]; detail?: string };

/**
 * Moves a branch that `worktree` has checked out from commit `from` to commit `to`, updating only
 * the paths that differ between the two in that worktree's index and files. Every other edit,
 * staged or not, and every untracked file stays as it was. Refuses (`dirty`, nothing changed)
 * when a path to update has uncommitted edits or something is in the way of a file to create,
 * and (`busy`) while a merge or rebase is under way there.
 */
export async function moveCheckedOutBranch(input: {
  repo: string;
  worktree: string;
  /** Full ref name, e.g. `refs/heads/main`. */
  ref: string;
  from: string;
  to: string;
  reflogMessage: string;
  logger?: Logger;
}): Promise<MoveCheckoutOutcome> {
  const logging = input.logger ? { logger: input.logger } : {};
  // The worktree may be a task's, written by its agent: git runs pinned to the repository's folders.
  const pin = await pinWorktree(input.repo, input.worktree);
  const inWorktree = { cwd: pin.workTree, env: pinnedEnv(pin), ...logging };
  const operation = await operationInProgress(pin.gitDir);
  if (operation) return { outcome: "busy", operation };
  const changed = await changedPaths(input.repo, input.from, input.to);
  const dirty = await dirtyPaths(pin, changed);
  if (dirty.length > 0) return { outcome: "dirty", files: dirty };
  try {
    const outcome = await updateRefWhile(
      { cwd: input.repo, ref: input.ref, newValue: input.to, oldValue: input.from, reflogMessage: input.reflogMessage, ...logging },
      async () => {
        // Like `git checkout`, refresh stat data first so files touched but unchanged pass.
        await runGit(["update-index", "--refresh"], { ...inWorktree, okExitCodes: [1] });
        await runGit(["read-tree", "-m", "-u", input.from, input.to], inWorktree);
      },
    );
    return outcome === "ref_moved" ? { outcome: "ref_moved" } : { outcome: "moved" };
  } catch (error) {
    if (isGitError(error, "git_failed") && error.command?.[0] === "read-tree") {
      // git found local edits our own check did not (they appeared meanwhile); nothing changed.
      return { outcome: "dirty", files: pathsInReadTreeError(error.stderr ?? ""), ...(error.stderr ? { detail: error.stderr } : {}) };
    }
    throw error;
  }
}

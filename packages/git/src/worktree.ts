import { mkdir, readdir, readFile, realpath, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { GitError, isGitError } from "./git-error";
import { listWorktrees, wharfBranchPrefix } from "./list-worktrees";
import { type Logger, stderrLogger } from "./logger";
import { withRepoLock } from "./repo-lock";
import { worktreeHasChanges } from "./pinned-worktree";
import { runGit } from "./run-git";

export interface CreateWorktreeInput {
  repoPath: string;
  baseBranch: string;
  taskId: string;
  /** Folder that holds the task worktrees; the worktree is `<worktreesDir>/<taskId>`. */
  worktreesDir: string;
  /**
   * An existing empty folder to make the worktree in instead (a slot where the task's agent is
   * already waiting, bound into its sandbox): it is kept, never removed and made anew.
   */
  folder?: string;
  logger?: Logger;
}

export interface TaskWorktree {
  /** Absolute path of the new worktree (symlinks resolved). */
  path: string;
  /** `wharf/<taskId>` */
  branch: string;
  /** The base branch's commit the task starts from. */
  baseCommit: string;
}

export interface RemoveWorktreeInput {
  repoPath: string;
  path: string;
  branch?: string;
  deleteBranch: boolean;
  logger?: Logger;
}

const taskIdPattern = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

export function taskBranch(taskId: string): string {
  if (!taskIdPattern.test(taskId)) {
    throw new GitError(
      "invalid_argument",
      `Task id "${taskId}" cannot name a branch: use letters, digits, "-" and "_" only.`,
    );
  }
  return `${wharfBranchPrefix}${taskId}`;
}

/**
 * Creates the task's worktree on a new branch `wharf/<taskId>` at the base branch's current
 * commit. Leftovers of an earlier attempt for the same task (branch, registered worktree, folder
 * that is a worktree of this repository) are removed first.
 */
export async function createWorktree(input: CreateWorktreeInput): Promise<TaskWorktree> {
  const logger = input.logger ?? stderrLogger;
  const branch = taskBranch(input.taskId);
  await mkdir(input.worktreesDir, { recursive: true });
  const path = input.folder !== undefined ? await realpath(input.folder) : join(await realpath(input.worktreesDir), input.taskId);

  return withRepoLock(input.repoPath, async () => {
    const baseCommit = await resolveBranch(input.repoPath, input.baseBranch);
    const add = () =>
      runGit(["worktree", "add", "--quiet", "-b", branch, path, baseCommit], { cwd: input.repoPath, logger });
    try {
      await add();
    } catch (error) {
      if (!isGitError(error, "git_failed")) throw error;
      const cleaned = await removeLeftovers(input.repoPath, path, branch, logger, input.folder !== undefined);
      if (!cleaned) throw error;
      await add();
    }
    return { path, branch, baseCommit };
  });
}

/**
 * Frees the task branch `wharf/<taskId>` for a new worktree: a worktree of it left in this
 * repository by an earlier turn here is removed when it holds no uncommitted work (git checks a
 * branch out in one worktree at a time, and refuses to fetch into it); otherwise it is refused.
 */
export async function releaseTaskBranch(input: { repoPath: string; taskId: string; logger?: Logger }): Promise<void> {
  const branch = taskBranch(input.taskId);
  const stale = (await listWorktrees(input.repoPath)).find((entry) => entry.branch === branch);
  if (stale === undefined) return;
  if (!stale.prunable && (await worktreeHasChanges(input.repoPath, stale.path))) {
    throw new GitError("dirty", `${stale.path} has ${branch} checked out with uncommitted work; Wharf leaves it in place and cannot continue the task here.`, { path: stale.path });
  }
  await removeWorktree({ repoPath: input.repoPath, path: stale.path, deleteBranch: false, ...(input.logger && { logger: input.logger }) });
}

/**
 * A new worktree on the task's existing branch `wharf/<taskId>` (a follow-up on a host that did
 * not make the earlier worktree: it continues from the branch as stored; see releaseTaskBranch).
 */
export async function checkoutTaskBranch(input: Omit<CreateWorktreeInput, "baseBranch">): Promise<{ path: string; branch: string }> {
  const logger = input.logger ?? stderrLogger;
  const branch = taskBranch(input.taskId);
  await mkdir(input.worktreesDir, { recursive: true });
  const path = input.folder !== undefined ? await realpath(input.folder) : join(await realpath(input.worktreesDir), input.taskId);
  return withRepoLock(input.repoPath, async () => {
    const exists = await runGit(["rev-parse", "-q", "--verify", `refs/heads/${branch}^{commit}`], { cwd: input.repoPath, okExitCodes: [1] });
    if (exists.exitCode !== 0) {
      throw new GitError("not_found", `The task branch ${branch} is not in ${input.repoPath}, and no other host sent its commits: the task cannot continue here.`, { path: input.repoPath });
    }
    await runGit(["worktree", "add", "--quiet", path, branch], { cwd: input.repoPath, logger });
    return { path, branch };
  });
}

/**
 * Removes a task worktree (even with uncommitted or locked content), prunes git's records, and
 * deletes its `wharf/*` branch if asked. Anything already gone is logged and skipped.
 */
export async function removeWorktree(input: RemoveWorktreeInput): Promise<void> {
  const logger = input.logger ?? stderrLogger;
  const branch = input.branch;
  if (input.deleteBranch && (branch === undefined || !branch.startsWith(wharfBranchPrefix))) {
    throw new GitError(
      "invalid_argument",
      `Wharf only deletes its own ${wharfBranchPrefix}* branches, not "${branch ?? ""}".`,
    );
  }
  await withRepoLock(input.repoPath, async () => {
    const path = resolve(input.path);
    const removal = await runGit(["worktree", "remove", "--force", "--force", path], {
      cwd: input.repoPath,
      okExitCodes: [128],
      logger,
    });
    if (removal.exitCode !== 0) {
      if (removal.stderr.includes("is a main working tree")) {
        throw new GitError("invalid_argument", `${path} is the repository's own folder, not a task worktree.`, {
          path,
        });
      }
      if (!removal.stderr.includes("is not a working tree")) {
        throw new GitError("git_failed", `Could not remove the worktree ${path}: ${removal.stderr}`, {
          path,
          stderr: removal.stderr,
        });
      }
      logger.info("worktree already removed", { repoPath: input.repoPath, path });
    }
    await removeStrayFolder(input.repoPath, path, logger);
    await runGit(["worktree", "prune"], { cwd: input.repoPath, logger });
    if (input.deleteBranch && branch !== undefined) await deleteBranch(input.repoPath, branch, logger);
  });
}

/**
 * Deletes a `wharf/*` branch that has no worktree in this repository (a task branch imported from
 * another host's bundle, once the task is applied or discarded). A missing branch is fine.
 */
export async function deleteTaskBranch(repoPath: string, branch: string, logger: Logger = stderrLogger): Promise<void> {
  if (!branch.startsWith(wharfBranchPrefix)) throw new GitError("invalid_argument", `Wharf only deletes its own ${wharfBranchPrefix}* branches, not "${branch}".`);
  await withRepoLock(repoPath, () => deleteBranch(repoPath, branch, logger));
}

/** Throws away a task's result: its worktree and its branch. */
export async function discardChange(input: {
  repoPath: string;
  path: string;
  branch: string;
  logger?: Logger;
}): Promise<void> {
  await removeWorktree({ ...input, deleteBranch: true });
}

async function resolveBranch(repoPath: string, baseBranch: string): Promise<string> {
  const result = await runGit(["rev-parse", "-q", "--verify", `refs/heads/${baseBranch}^{commit}`], {
    cwd: repoPath,
    okExitCodes: [1],
  });
  if (result.exitCode !== 0) {
    throw new GitError(
      "not_found",
      `Branch "${baseBranch}" does not exist in ${repoPath}. Create it, or change the project's base branch.`,
      { path: repoPath },
    );
  }
  return result.stdout.trim();
}

/** Removes what a crashed earlier attempt for this branch or folder left; true if anything was. */
/** `keepFolder`: the folder at `path` was given to be used as it is (see CreateWorktreeInput.folder). */
async function removeLeftovers(repoPath: string, path: string, branch: string, logger: Logger, keepFolder = false): Promise<boolean> {
  let removed = false;
  const [main, ...linked] = await listWorktrees(repoPath);
  for (const worktree of linked) {
    if (worktree.branch === branch || resolve(worktree.path) === path) {
      logger.warn("removing worktree left by an earlier attempt", { repoPath, path: worktree.path, branch });
      await runGit(["worktree", "remove", "--force", "--force", worktree.path], { cwd: repoPath, logger });
      removed = true;
    }
  }
  if (main?.branch === branch) {
    throw new GitError(
      "invalid_argument",
      `${repoPath} has the task branch ${branch} checked out. Check out another branch there and try again.`,
      { path: repoPath },
    );
  }
  if (!keepFolder && (await removeStrayFolder(repoPath, path, logger))) removed = true;
  await runGit(["worktree", "prune"], { cwd: repoPath, logger });
  if (await deleteBranch(repoPath, branch, logger)) removed = true;
  return removed;
}

/**
 * Deletes a folder git no longer tracks as a worktree, but only if it is empty or is a worktree
 * folder of this repository (its `.git` file points into the repository's `worktrees/`). Anything
 * else is left alone and reported as `path_exists`.
 */
async function removeStrayFolder(repoPath: string, path: string, logger: Logger): Promise<boolean> {
  let entries: string[];
  try {
    entries = await readdir(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return false;
    throw new GitError("path_exists", `${path} exists and is not a folder. Move it away and try again.`, {
      path,
      cause: error,
    });
  }
  if (entries.length > 0 && !(await isWorktreeOf(repoPath, path))) {
    throw new GitError(
      "path_exists",
      `${path} already exists and is not a worktree of ${repoPath}. Move it away or delete it, then try again.`,
      { path },
    );
  }
  logger.warn("removing leftover worktree folder", { repoPath, path });
  await rm(path, { recursive: true, force: true });
  return true;
}

async function isWorktreeOf(repoPath: string, path: string): Promise<boolean> {
  let content: string;
  try {
    content = await readFile(join(path, ".git"), "utf8");
  } catch {
    return false;
  }
  const match = /^gitdir: (.+)$/m.exec(content);
  if (!match?.[1]) return false;
  const common = await runGit(["rev-parse", "--path-format=absolute", "--git-common-dir"], { cwd: repoPath });
  const commonDir = await realpath(common.stdout.trim());
  return resolve(match[1]).startsWith(`${commonDir}/worktrees/`);
}

async function deleteBranch(repoPath: string, branch: string, logger: Logger): Promise<boolean> {
  const result = await runGit(["branch", "-D", "--", branch], { cwd: repoPath, okExitCodes: [1], logger });
  if (result.exitCode === 0) return true;
  if (result.stderr.includes("not found")) {
    logger.info("branch already deleted", { repoPath, branch });
    return false;
  }
  throw new GitError("git_failed", `Could not delete branch ${branch} in ${repoPath}: ${result.stderr}`, {
    path: repoPath,
    stderr: result.stderr,
  });
}

import { GitError, isGitError } from "./git-error";
import { commitAll } from "./commit-all";
import { moveCheckedOutBranch, resolveCommit } from "./checkout-state";
import { listWorktrees } from "./list-worktrees";
import { type Logger, stderrLogger } from "./logger";
import { mergeTrees } from "./merge-trees";
import { withRepoLock } from "./repo-lock";
import { type Identity, runGit } from "./run-git";

export interface BaseStatusInput {
  repoPath: string;
  baseBranch: string;
  /** The task's base commit (the change is baseCommit..headCommit). */
  baseCommit: string;
  headCommit: string;
}

export interface BaseStatus {
  /** The base branch's current tip. */
  baseTip: string;
  /** Commits on the base branch since the task's base commit (0: it has not moved). */
  commitsBehind: number;
  /** Whether the change merges into the current tip without conflicts. */
  clean: boolean;
  /** Files that would conflict (empty when clean). */
  conflicts: string[];
}

/**
 * How far the project's base branch has moved since the task started, and whether the change
 * still applies cleanly onto its tip (`git merge-tree`, in the object store: nothing is touched).
 */
export async function baseStatus(input: BaseStatusInput): Promise<BaseStatus> {
  const repo = input.repoPath;
  const baseTip = await resolveCommit(repo, `refs/heads/${input.baseBranch}`);
  if (baseTip === undefined) throw missingBaseBranch(repo, input.baseBranch);
  const count = await runGit(["rev-list", "--count", `${input.baseCommit}..${baseTip}`], { cwd: repo });
  const commitsBehind = Number(count.stdout.trim());
  if (commitsBehind === 0) return { baseTip, commitsBehind, clean: true, conflicts: [] };
  const merge = await mergeTrees(repo, baseTip, input.headCommit);
  return merge.clean
    ? { baseTip, commitsBehind, clean: true, conflicts: [] }
    : { baseTip, commitsBehind, clean: false, conflicts: merge.conflicts };
}

export interface RebaseTaskBranchInput {
  repoPath: string;
  baseBranch: string;
  /** The task branch (`wharf/<taskId>`); its worktree, if any, is found through git. */
  branch: string;
  /**
   * Uncommitted edits in the task's worktree are committed first with this message. Without it,
   * uncommitted edits in files the rebase would change make it refuse (`dirty`); edits elsewhere
   * are kept as they are either way.
   */
  commitPendingMessage?: string;
  /** Message of the rebased commit; defaults to the message of the branch's tip. */
  message?: string;
  identity?: Identity;
  logger?: Logger;
}

export type RebaseFailureReason = "conflict" | "dirty" | "busy" | "not_found";

export type RebaseTaskBranchResult =
  | {
      ok: true;
      /** False when the branch already contained the base branch's tip (nothing was done). */
      rebased: boolean;
      /** The task's new base: the base branch's tip. */
      baseCommit: string;
      /** The task branch's new tip. */
      headCommit: string;
      /** The branch's tip before (kept in the branch's reflog). */
      previousHead: string;
    }
  | { ok: false; reason: RebaseFailureReason; message: string; files?: string[] };

/**
 * Moves the task's change on top of the base branch's current tip, as one commit: the merge of
 * the tip and the task branch is computed in the object store (as `applyChange` does, so "applies
 * cleanly" and "rebases cleanly" are the same question); on conflict nothing at all is touched
 * and the conflicted files are listed. Otherwise the branch is moved by compare-and-swap and, in
 * the worktree that has it checked out, only the files that differ are updated (`read-tree -m -u`
 * under the ref's lock): the agent's uncommitted edits in other files stay, and edits in files
 * the rebase changes make it refuse unless `commitPendingMessage` commits them first.
 * The old tip stays in the branch's reflog.
 */
export async function rebaseTaskBranch(input: RebaseTaskBranchInput): Promise<RebaseTaskBranchResult> {
  return withRepoLock(input.repoPath, async () => {
    for (let attempt = 1; attempt <= 3; attempt++) {
      const result = await tryRebase(input);
      if (result !== "moved") return result;
      (input.logger ?? stderrLogger).info("a branch moved while rebasing, retrying", {
        repoPath: input.repoPath,
        branch: input.branch,
        attempt,
      });
    }
    return {
      ok: false,
      reason: "busy",
      message: `${input.branch} or ${input.baseBranch} kept changing while Wharf rebased. Try again.`,
    };
  });
}

async function tryRebase(input: RebaseTaskBranchInput): Promise<RebaseTaskBranchResult | "moved"> {
  const repo = input.repoPath;
  const logging = input.logger ? { logger: input.logger } : {};
  const ref = `refs/heads/${input.branch}`;
  const baseTip = await resolveCommit(repo, `refs/heads/${input.baseBranch}`);
  if (baseTip === undefined) {
    return { ok: false, reason: "not_found", message: missingBaseBranch(repo, input.baseBranch).message };
  }
  const worktree = (await listWorktrees(repo)).find((entry) => entry.branch === input.branch && !entry.prunable);
  if (worktree !== undefined && input.commitPendingMessage !== undefined) {
    await commitAll({
      repoPath: repo,
      worktreePath: worktree.path,
      branch: input.branch,
      message: input.commitPendingMessage,
      ...(input.identity ? { identity: input.identity } : {}),
    });
  }
  const head = await resolveCommit(repo, ref);
  if (head === undefined) {
    return {
      ok: false,
      reason: "not_found",
      message: `The task branch ${input.branch} does not exist in ${repo} any more; there is nothing to rebase.`,
    };
  }
  const ancestor = await runGit(["merge-base", "--is-ancestor", baseTip, head], { cwd: repo, okExitCodes: [1] });
  if (ancestor.exitCode === 0) {
    return { ok: true, rebased: false, baseCommit: baseTip, headCommit: head, previousHead: head };
  }

  const merge = await mergeTrees(repo, baseTip, head);
  if (!merge.clean) {
    return {
      ok: false,
      reason: "conflict",
      files: merge.conflicts,
      message: `${input.baseBranch} changed the same places as the task: ${merge.conflicts.join(", ")}. Nothing was changed. Send the conflict to the agent as a follow-up, or discard the task.`,
    };
  }
  const message =
    input.message ?? ((await runGit(["log", "-1", "--format=%B", head], { cwd: repo })).stdout.trim() || "Task changes");
  const commit = (
    await runGit(["commit-tree", merge.tree, "-p", baseTip, "-m", message], {
      cwd: repo,
      ...(input.identity ? { identity: input.identity } : {}),
    })
  ).stdout.trim();
  const reflogMessage = `wharf: rebase onto ${input.baseBranch}`;

  if (worktree === undefined) {
    try {
      await runGit(["update-ref", "-m", reflogMessage, ref, commit, head], { cwd: repo, ...logging });
    } catch (error) {
      if (isGitError(error, "git_failed") && /but expected/.test(error.stderr ?? "")) return "moved";
      throw error;
    }
    return { ok: true, rebased: true, baseCommit: baseTip, headCommit: commit, previousHead: head };
  }
  const moved = await moveCheckedOutBranch({ repo, worktree: worktree.path, ref, from: head, to: commit, reflogMessage, ...logging });
  switch (moved.outcome) {
    case "moved":
      return { ok: true, rebased: true, baseCommit: baseTip, headCommit: commit, previousHead: head };
    case "ref_moved":
      return "moved";
    case "busy":
      return {
        ok: false,
        reason: "busy",
        message: `The task's worktree ${worktree.path} is in the middle of a ${moved.operation}. Finish or abort it there, then rebase again.`,
      };
    case "dirty": {
      const list = moved.files.length > 0 ? moved.files.join(", ") : (moved.detail ?? "some files");
      return {
        ok: false,
        reason: "dirty",
        files: moved.files,
        message: `The task's worktree ${worktree.path} has uncommitted edits in files the rebase changes: ${list}. Nothing was changed. Let the agent finish its turn (its edits are committed then), or rebase with the edits committed.`,
      };
    }
  }
}

function missingBaseBranch(repo: string, baseBranch: string): GitError {
  return new GitError(
    "not_found",
    `Branch ${baseBranch} does not exist in ${repo} any more. Create it again, or change the project's base branch.`,
    { path: repo },
  );
}

/**
 * The task's base for its diff: `baseCommit`, or a newer commit of the base branch when the task
 * branch contains one (the agent merged the base branch, e.g. to resolve a conflict it was handed),
 * so the change shows the task's work and not the base branch's commits.
 */
export async function containedBase(input: BaseStatusInput): Promise<string> {
  const repo = input.repoPath;
  const baseTip = await resolveCommit(repo, `refs/heads/${input.baseBranch}`);
  if (baseTip === undefined) return input.baseCommit;
  const mergeBase = await runGit(["merge-base", baseTip, input.headCommit], { cwd: repo, okExitCodes: [1] });
  const newer = mergeBase.stdout.trim();
  if (mergeBase.exitCode !== 0 || newer === "" || newer === input.baseCommit) return input.baseCommit;
  const contains = await runGit(["merge-base", "--is-ancestor", input.baseCommit, newer], { cwd: repo, okExitCodes: [1] });
  return contains.exitCode === 0 ? newer : input.baseCommit;
}

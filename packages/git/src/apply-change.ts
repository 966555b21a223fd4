import { isGitError } from "./git-error";
import { changedPaths, moveCheckedOutBranch, resolveCommit } from "./checkout-state";
import { listWorktrees } from "./list-worktrees";
import { type Logger, stderrLogger } from "./logger";
import { mergeTrees } from "./merge-trees";
import { type Identity, runGit } from "./run-git";
import { withRepoLock } from "./repo-lock";
import { selectPaths } from "./select-paths";

export interface ApplyChangeInput {
  repoPath: string;
  baseBranch: string;
  /** The task branch (`wharf/<taskId>`), for messages, and rewritten after a partial apply. */
  branch: string;
  baseCommit: string;
  /** The reviewed commit; what is applied even if the branch moved on since. */
  headCommit: string;
  /**
   * Apply only these files of the change (paths as the change lists them; a rename by either
   * name). The others stay on the task branch: see `ApplyChangeResult.rest`. Omitted: everything.
   */
  paths?: readonly string[];
  /** Message of the commit made on the base branch, e.g. squashMessage(title, taskId). */
  message: string;
  /** Author and committer of that commit; defaults to Wharf's identity. */
  identity?: Identity;
  logger?: Logger;
}

export type ApplyFailureReason = "conflict" | "dirty" | "busy" | "not_found" | "invalid_paths";

/** What is left of the task after a partial apply: its change is now `baseCommit..headCommit`. */
export interface RemainingChange {
  /** The task's base with the applied files added (a commit on no branch but the task's). */
  baseCommit: string;
  /** The task branch's new tip: the same files as before, on top of `baseCommit`. */
  headCommit: string;
  /** Paths still changed on the task branch. */
  files: string[];
}

export type ApplyChangeResult =
  | {
      ok: true;
      /** The new tip of the base branch (or its old tip when it already had the change). */
      commit: string;
      /** Paths the base branch changed in; empty when it already had the change. */
      files: string[];
      /** Present after a partial apply that left files on the task branch. */
      rest?: RemainingChange;
    }
  | { ok: false; reason: ApplyFailureReason; message: string; files?: string[] };

/** How often the whole apply is tried when the base branch moves under it. */
const maxAttempts = 3;

export function squashMessage(title: string, taskId: string): string {
  return `${title.trim() || "Task"} (wharf task ${taskId})`;
}

/**
 * Puts the task's change (or the chosen files of it) onto the base branch as one commit,
 * without touching the user's uncommitted work:
 *
 * 1. For a partial apply, the commit "task base + chosen files" is built in a private index
 *    (select-paths.ts) and stands in for the task's head below.
 * 2. The merge of the base branch's tip and the task's head is computed in git's object store
 *    (`merge-tree --write-tree`), so no work tree or index is involved; conflicts end here.
 * 3. A commit with that tree and the base tip as only parent is written (`commit-tree`).
 * 4. If no worktree has the base branch checked out, the ref is moved (compare-and-swap).
 *    Otherwise the files the commit changes must have no uncommitted edits there (else `dirty`,
 *    listing them); then, holding the ref's lock, `read-tree -m -u` moves just those paths in
 *    that worktree's index and files from the old tip to the new one (git checks again and
 *    refuses rather than overwrite), and the ref is committed. Every other edit, staged or not,
 *    stays as it was.
 * 5. After a partial apply the task branch is rewritten so that its change holds only the rest:
 *    its new tip has exactly the tree of its old tip, with the "task base + chosen files" commit
 *    as parent. No file of the task changes (its worktree, with any uncommitted edits, stays as
 *    it was), and `computeChange(rest.baseCommit, rest.headCommit)` is the remaining diff.
 *
 * Failures leave the repository exactly as it was.
 */
export async function applyChange(input: ApplyChangeInput): Promise<ApplyChangeResult> {
  return withRepoLock(input.repoPath, async () => {
    const prepared = await prepare(input);
    if ("ok" in prepared) return prepared;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const result = await tryApply(input, prepared.head);
      if (result === "base_moved") {
        (input.logger ?? stderrLogger).info("base branch moved while applying, retrying", {
          repoPath: input.repoPath,
          baseBranch: input.baseBranch,
          attempt,
        });
        continue;
      }
      if (!result.ok || prepared.partialBase === undefined) return result;
      const rest = await keepRestOnTaskBranch(input, prepared.partialBase);
      return { ...result, rest };
    }
    return {
      ok: false,
      reason: "busy",
      message: `The branch ${input.baseBranch} kept changing while Wharf applied the change. Try again.`,
    };
  });
}

type Prepared = { head: string; partialBase?: string } | (ApplyChangeResult & { ok: false });

/** Resolves the task's head and, for a partial apply, builds the commit that stands in for it. */
async function prepare(input: ApplyChangeInput): Promise<Prepared> {
  const repo = input.repoPath;
  const head = await resolveCommit(repo, input.headCommit);
  if (head === undefined) {
    return {
      ok: false,
      reason: "not_found",
      message: `The task's commit ${input.headCommit} (branch ${input.branch}) is missing from ${repo}; the change cannot be applied.`,
    };
  }
  if (input.paths === undefined) return { head };
  if (input.paths.length === 0) {
    return { ok: false, reason: "invalid_paths", files: [], message: "Choose at least one file to apply." };
  }
  const base = await resolveCommit(repo, input.baseCommit);
  if (base === undefined) {
    return {
      ok: false,
      reason: "not_found",
      message: `The task's base commit ${input.baseCommit} is missing from ${repo}; apply the whole change or discard it.`,
    };
  }
  const selection = await selectPaths(repo, base, head, input.paths, input.logger);
  if (!selection.ok) {
    return {
      ok: false,
      reason: "invalid_paths",
      files: selection.unknown,
      message: `These paths are not part of the change of ${input.branch}: ${selection.unknown.join(", ")}. Choose among the files the change lists. Nothing was changed.`,
    };
  }
  if (selection.all) return { head };
  const partialBase = (
    await runGit(["commit-tree", selection.tree, "-p", base, "-m", input.message], {
      cwd: repo,
      ...(input.identity ? { identity: input.identity } : {}),
    })
  ).stdout.trim();
  return { head: partialBase, partialBase };
}

async function tryApply(input: ApplyChangeInput, head: string): Promise<ApplyChangeResult | "base_moved"> {
  const repo = input.repoPath;
  const logging = input.logger ? { logger: input.logger } : {};
  const ref = `refs/heads/${input.baseBranch}`;
  const baseTip = await resolveCommit(repo, ref);
  if (baseTip === undefined) {
    return {
      ok: false,
      reason: "not_found",
      message: `Branch ${input.baseBranch} does not exist in ${repo} any more. Create it again, or change the project's base branch.`,
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
  const files = (await changedPaths(repo, baseTip, commit)).map((entry) => entry.path);
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
  const moved = await moveCheckedOutBranch({ repo, worktree, ref, from: baseTip, to: commit, reflogMessage, ...logging });
  switch (moved.outcome) {
    case "moved":
      return { ok: true, commit, files };
    case "ref_moved":
      return "base_moved";
    case "busy":
      return {
        ok: false,
        reason: "busy",
        message: `${worktree} is in the middle of a ${moved.operation}. Finish or abort it, then apply again.`,
      };
    case "dirty":
      return dirtyResult(input.baseBranch, worktree, moved.files, moved.detail);
  }
}

/**
 * Rewrites the task branch after a partial apply: its new tip has the tree of its current tip
 * and `partialBase` as parent, so the branch's change is the rest. Compare-and-swap, retried if
 * the branch moves meanwhile (a follow-up turn committed); a missing branch is created, so the
 * rest stays reachable.
 */
async function keepRestOnTaskBranch(input: ApplyChangeInput, partialBase: string): Promise<RemainingChange> {
  const repo = input.repoPath;
  const ref = `refs/heads/${input.branch}`;
  const logging = input.logger ? { logger: input.logger } : {};
  for (let attempt = 1; ; attempt++) {
    const current = await resolveCommit(repo, ref);
    const tip = current ?? input.headCommit;
    const message = (await runGit(["log", "-1", "--format=%B", tip], { cwd: repo })).stdout.trim() || "Task changes";
    const headCommit = (
      await runGit(["commit-tree", `${tip}^{tree}`, "-p", partialBase, "-m", message], { cwd: repo })
    ).stdout.trim();
    try {
      await runGit(
        ["update-ref", "-m", "wharf: keep the rest of a partly applied change", ref, headCommit, current ?? ""],
        { cwd: repo, ...logging },
      );
    } catch (error) {
      if (attempt < maxAttempts && isGitError(error, "git_failed")) continue;
      throw error;
    }
    const files = (await changedPaths(repo, partialBase, headCommit)).map((entry) => entry.path);
    return { baseCommit: partialBase, headCommit, files };
  }
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


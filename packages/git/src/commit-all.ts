import { GitError } from "./git-error";
import { objectIdSchema } from "./change-file";
import { pinnedEnv, pinWorktree } from "./pinned-worktree";
import { type Identity, runGit } from "./run-git";

export interface CommitAllInput {
  /** The repository the worktree belongs to: git's folders are taken from it, not from the worktree. */
  repoPath: string;
  worktreePath: string;
  /** The task's branch (short name): the commit goes there, whatever the worktree's HEAD says. */
  branch: string;
  message: string;
  /** Defaults to Wharf's own identity. */
  identity?: Identity;
}

export interface CommitAllResult {
  headCommit: string;
  /** False when the worktree had nothing to commit; `headCommit` is then the branch's tip. */
  changed: boolean;
}

/**
 * Stages everything in the worktree, untracked files included and ignored files excluded, and
 * commits it on the task's branch if anything differs from its tip. No hooks run.
 *
 * The agent has had the worktree (and its admin folder) to itself, so nothing there is trusted:
 * git runs pinned to the repository's folders (`pinWorktree`), and the commit moves
 * `refs/heads/<branch>` by name (compare-and-swap), not whatever the worktree's HEAD names — an
 * agent that pointed HEAD at the person's branch cannot have Wharf move that branch.
 */
export async function commitAll(input: CommitAllInput): Promise<CommitAllResult> {
  const pin = await pinWorktree(input.repoPath, input.worktreePath);
  const inWorktree = { cwd: pin.workTree, env: pinnedEnv(pin) };
  const ref = `refs/heads/${input.branch}`;
  await runGit(["add", "--all"], inWorktree);
  const [tree, tip] = await Promise.all([
    runGit(["write-tree"], inWorktree),
    runGit(["rev-parse", `${ref}^{commit}`, `${ref}^{tree}`], { cwd: input.repoPath }),
  ]);
  const [tipCommit, tipTree] = tip.stdout.trim().split("\n");
  const newTree = tree.stdout.trim();
  const parent = objectIdSchema.safeParse(tipCommit);
  if (!parent.success) {
    throw new GitError("git_failed", `Could not read ${ref} in ${input.repoPath}: unexpected output "${tip.stdout}".`, {
      path: input.repoPath,
    });
  }
  if (newTree === tipTree) return { headCommit: parent.data, changed: false };

  const commit = await runGit(["commit-tree", newTree, "-p", parent.data, "-m", input.message], {
    cwd: input.repoPath,
    ...(input.identity ? { identity: input.identity } : {}),
  });
  const commitId = commit.stdout.trim();
  await runGit(["update-ref", "-m", "wharf: commit task changes", ref, commitId, parent.data], { cwd: input.repoPath });
  return { headCommit: commitId, changed: true };
}

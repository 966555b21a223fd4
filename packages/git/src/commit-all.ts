import { GitError } from "./git-error";
import { objectIdSchema } from "./change-file";
import { type Identity, runGit } from "./run-git";

export interface CommitAllInput {
  worktreePath: string;
  message: string;
  /** Defaults to Wharf's own identity. */
  identity?: Identity;
}

export interface CommitAllResult {
  headCommit: string;
  /** False when the worktree had nothing to commit; `headCommit` is then the existing HEAD. */
  changed: boolean;
}

/**
 * Stages everything in the worktree, untracked files included and ignored files excluded, and
 * commits it on the checked-out branch if anything differs from HEAD. No hooks run.
 */
export async function commitAll(input: CommitAllInput): Promise<CommitAllResult> {
  const cwd = input.worktreePath;
  await runGit(["add", "--all"], { cwd });
  const [tree, head] = await Promise.all([
    runGit(["write-tree"], { cwd }),
    runGit(["rev-parse", "HEAD", "HEAD^{tree}"], { cwd }),
  ]);
  const [headCommit, headTree] = head.stdout.trim().split("\n");
  const newTree = tree.stdout.trim();
  const parent = objectIdSchema.safeParse(headCommit);
  if (!parent.success) {
    throw new GitError("git_failed", `Could not read HEAD in ${cwd}: unexpected output "${head.stdout}".`, {
      path: cwd,
    });
  }
  if (newTree === headTree) return { headCommit: parent.data, changed: false };

  const commit = await runGit(["commit-tree", newTree, "-p", parent.data, "-m", input.message], {
    cwd,
    ...(input.identity ? { identity: input.identity } : {}),
  });
  const commitId = commit.stdout.trim();
  await runGit(["update-ref", "-m", "wharf: commit task changes", "HEAD", commitId, parent.data], { cwd });
  return { headCommit: commitId, changed: true };
}

import { pinnedEnv, pinWorktree } from "./pinned-worktree";
import { runGit } from "./run-git";

/**
 * Which of `paths` (relative to `cwd`, a work tree of `repoPath`) git ignores there, by the work tree's
 * `.gitignore` files, the repository's `info/exclude` and `core.excludesFile`. A path git tracks
 * is never ignored. Files copied into a worktree must be ignored so they never enter the change
 * (`commitAll` stages everything but ignored files).
 */
export async function ignoredPaths(repoPath: string, cwd: string, paths: readonly string[]): Promise<Set<string>> {
  if (paths.length === 0) return new Set();
  // A task's worktree may already hold its agent (a warm one waits in the folder): pinned, as in commitAll.
  const pin = await pinWorktree(repoPath, cwd);
  // Exit 1 means "none of them is ignored".
  const result = await runGit(["check-ignore", "--no-index", "-z", "--stdin"], { cwd: pin.workTree, env: pinnedEnv(pin), input: paths.join("\0") + "\0", okExitCodes: [1] });
  return new Set(result.stdout.split("\0").filter(Boolean));
}

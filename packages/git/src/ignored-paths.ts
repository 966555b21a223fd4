import { runGit } from "./run-git";

/**
 * Which of `paths` (relative to `cwd`, a work tree) git ignores there, by the work tree's
 * `.gitignore` files, the repository's `info/exclude` and `core.excludesFile`. A path git tracks
 * is never ignored. Files copied into a worktree must be ignored so they never enter the change
 * (`commitAll` stages everything but ignored files).
 */
export async function ignoredPaths(cwd: string, paths: readonly string[]): Promise<Set<string>> {
  if (paths.length === 0) return new Set();
  // Exit 1 means "none of them is ignored".
  const result = await runGit(["check-ignore", "--no-index", "-z", "--stdin"], { cwd, input: paths.join("\0") + "\0", okExitCodes: [1] });
  return new Set(result.stdout.split("\0").filter(Boolean));
}

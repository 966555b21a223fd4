import { realpathSync } from "node:fs";
import { resolve } from "node:path";
import { createKeyedMutex } from "./keyed-mutex";

/**
 * Git operations that change a repository's shared state (worktree admin files, branches, the
 * base branch) run one at a time per repository within this process. Other processes are
 * tolerated through git's own lock files and runGit's bounded retry.
 */
const repoMutex = createKeyedMutex();

export function withRepoLock<T>(repoPath: string, fn: () => Promise<T>): Promise<T> {
  return repoMutex.run(repoKey(repoPath), fn);
}

function repoKey(repoPath: string): string {
  try {
    return realpathSync(repoPath);
  } catch {
    // A path that cannot be resolved still gets a key; git will report the real problem.
    return resolve(repoPath);
  }
}

import { realpath, stat } from "node:fs/promises";
import { GitError } from "./git-error";
import { runGit } from "./run-git";

export interface RepoInfo {
  /** Absolute top-level directory of the work tree, symlinks resolved. */
  root: string;
  /** The branch checked out there (short name, e.g. "main"). */
  baseBranch: string;
  /** The commit that branch points at. */
  headCommit: string;
}

/**
 * Checks that `path` is (inside) a git work tree with a checked-out branch that has commits, and
 * says which. Throws a `GitError` whose message tells the person what to fix.
 */
export async function inspectRepo(path: string): Promise<RepoInfo> {
  await requireDirectory(path);

  const kind = await runGit(["rev-parse", "--is-bare-repository", "--is-inside-work-tree"], {
    cwd: path,
    okExitCodes: [128],
  });
  if (kind.exitCode !== 0) {
    const hint = kind.stderr.includes("dubious ownership")
      ? ` git refuses it because it belongs to another user: ${kind.stderr}`
      : " Run `git init` there and make a first commit, or choose the folder of an existing repository.";
    throw new GitError("not_a_repository", `${path} is not a git repository.${hint}`, {
      path,
      stderr: kind.stderr,
    });
  }
  const [bare, inside] = kind.stdout.trim().split("\n");
  if (bare === "true") {
    throw new GitError(
      "not_a_repository",
      `${path} is a bare repository, which has no files to work on. Clone it (git clone ${path} <folder>) and use the clone.`,
      { path },
    );
  }
  if (inside !== "true") {
    throw new GitError(
      "not_a_repository",
      `${path} is inside a repository's .git folder. Choose the repository's top folder instead.`,
      { path },
    );
  }

  const [toplevel, head, symbolic] = await Promise.all([
    runGit(["rev-parse", "--show-toplevel"], { cwd: path }),
    runGit(["rev-parse", "-q", "--verify", "HEAD^{commit}"], { cwd: path, okExitCodes: [1] }),
    runGit(["symbolic-ref", "-q", "HEAD"], { cwd: path, okExitCodes: [1] }),
  ]);
  const root = await realpath(toplevel.stdout.trim());
  const ref = symbolic.stdout.trim();

  if (head.exitCode !== 0) {
    throw new GitError(
      "no_commits",
      `The repository at ${root} has no commits yet. Make a first commit (git commit --allow-empty -m "Initial commit") and try again.`,
      { path: root },
    );
  }
  if (symbolic.exitCode !== 0 || !ref.startsWith("refs/heads/")) {
    throw new GitError(
      "detached_head",
      `The repository at ${root} has no branch checked out (detached HEAD). Check out the branch tasks should start from (git switch <branch>) and try again.`,
      { path: root },
    );
  }
  return { root, baseBranch: ref.slice("refs/heads/".length), headCommit: head.stdout.trim() };
}

async function requireDirectory(path: string): Promise<void> {
  try {
    const info = await stat(path);
    if (!info.isDirectory()) {
      throw new GitError("not_a_directory", `${path} is a file, not a folder. Give the path of the repository's folder.`, {
        path,
      });
    }
  } catch (error) {
    if (error instanceof GitError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      throw new GitError("not_found", `${path} does not exist. Check the path, or clone the repository there first.`, {
        path,
        cause: error,
      });
    }
    throw new GitError("not_found", `${path} cannot be read (${code ?? String(error)}). Check its permissions.`, {
      path,
      cause: error,
    });
  }
}

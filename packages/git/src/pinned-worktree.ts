import { lstat, readFile, realpath } from "node:fs/promises";
import path from "node:path";
import { GitError } from "./git-error";
import { runGit } from "./run-git";

/**
 * Where git must look when Wharf runs it in a worktree an agent has worked in, decided from the
 * repository (trusted) and never from the worktree (the agent's): its folder, its admin folder
 * (`<common>/worktrees/<name>`: HEAD, index) and the repository's own git folder, whose `config`
 * is the only configuration read.
 *
 * Why: git finds its repository through the worktree's `.git` file and the admin folder's
 * `commondir` file, both of which the agent can write (the worktree is its own; the admin folder
 * is where its commits go). Left to discovery, an agent could point either at a git folder of its
 * making whose config names a filter, textconv or diff program, and the next `git add` Wharf runs
 * for it on the host would start that program outside the sandbox.
 */
export interface PinnedWorktree {
  workTree: string;
  gitDir: string;
  commonDir: string;
}

/** The environment that makes git use exactly these folders (set after `gitEnv`'s scrub). */
export function pinnedEnv(pin: PinnedWorktree): Record<string, string> {
  return { GIT_DIR: pin.gitDir, GIT_COMMON_DIR: pin.commonDir, GIT_WORK_TREE: pin.workTree };
}

/**
 * Pins `worktreePath`, which must be the repository's own checkout or one of its linked worktrees
 * whose `.git` file and admin folder point at each other. Anything else (a `.git` file that leads
 * elsewhere, an admin folder outside `<common>/worktrees`, reached through a symlink, or claimed by
 * another folder) is refused: Wharf runs no git there.
 */
export async function pinWorktree(repoPath: string, worktreePath: string): Promise<PinnedWorktree> {
  const [gitDirOut, commonOut, topOut] = (
    await runGit(["rev-parse", "--path-format=absolute", "--absolute-git-dir", "--git-common-dir", "--show-toplevel"], { cwd: repoPath })
  ).stdout
    .trim()
    .split("\n");
  if (!gitDirOut || !commonOut || !topOut) {
    throw new GitError("git_failed", `Could not read the git folders of ${repoPath}.`, { path: repoPath });
  }
  const [repoGitDir, commonDir, top] = await Promise.all([realpath(gitDirOut), realpath(commonOut), realpath(topOut)]);
  let workTree: string;
  try {
    workTree = await realpath(worktreePath);
  } catch {
    throw new GitError("not_found", `The worktree ${worktreePath} does not exist.`, { path: worktreePath });
  }
  if (workTree === top) return { workTree, gitDir: repoGitDir, commonDir };

  const refuse = (why: string) =>
    new GitError("invalid_argument", `Wharf will not run git in ${workTree}: ${why}. It leaves the folder as it is, for you to look at.`, {
      path: workTree,
    });
  let gitFile: string;
  try {
    gitFile = await readFile(path.join(workTree, ".git"), "utf8");
  } catch {
    throw refuse("it has no .git file, so it is not a worktree of " + top);
  }
  const target = /^gitdir: (.+)$/m.exec(gitFile)?.[1]?.trim();
  if (!target) throw refuse("its .git file names no git folder");
  const adminDir = path.resolve(workTree, target);
  const adminParent = path.join(commonDir, "worktrees");
  if (path.dirname(adminDir) !== adminParent) throw refuse(`its .git file points outside ${adminParent}`);
  const stat = await lstat(adminDir).catch(() => undefined);
  if (!stat?.isDirectory()) throw refuse(`its git folder ${adminDir} is missing or not a plain folder`);
  const back = (await readFile(path.join(adminDir, "gitdir"), "utf8").catch(() => "")).trim();
  if (path.resolve(adminDir, back) !== path.join(workTree, ".git")) throw refuse(`its git folder ${adminDir} belongs to another folder`);
  return { workTree, gitDir: adminDir, commonDir };
}

/**
 * Whether a worktree holds work that is not on its branch: edits, staged changes or untracked
 * files (ignored ones aside). A worktree Wharf cannot pin counts as holding work: it is left for a
 * person to look at, never removed.
 */
export async function worktreeHasChanges(repoPath: string, worktreePath: string): Promise<boolean> {
  let pin: PinnedWorktree;
  try {
    pin = await pinWorktree(repoPath, worktreePath);
  } catch {
    return true;
  }
  const status = await runGit(["--no-optional-locks", "status", "--porcelain=v1", "-z", "--untracked-files=normal"], {
    cwd: pin.workTree,
    env: pinnedEnv(pin),
  });
  return status.stdout.length > 0;
}

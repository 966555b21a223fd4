import { mkdirSync, readFileSync, realpathSync } from "node:fs";
import path from "node:path";

/** What one sandboxed process may touch. Paths are absolute and seen the same inside and out. */
export type SandboxPolicy = {
  /** The task's worktree (or a warm agent's folder): writable. */
  root: string;
  /** The working directory the command starts in (the root or a folder inside it). */
  cwd: string;
  /** Folders the agent keeps its logins and settings in (bound writable when they exist). */
  stateDirs: readonly string[];
  /** Folders that must not be visible at all (Wharf's home, the database's socket folder). */
  hidden: readonly string[];
  /**
   * Folders inside the hidden ones that stay readable: Wharf's agent folder (`<WHARF_HOME>/agents`,
   * agents installed from the Agents page), bound read-only on top of the mask.
   */
  exposed?: readonly string[] | undefined;
  /** False: loopback only (a new network namespace). */
  network: boolean;
  /**
   * Folders that must stay readable though they lie in the private /tmp or /var/tmp: Wharf's own
   * installation and the agent's program (a checkout or an agent kept in /tmp would otherwise
   * vanish from the sandbox and the agent could not start).
   */
  readable?: readonly string[] | undefined;
  /**
   * The repository a root that is not a worktree yet will become one of (an agent started ahead of
   * its task, in the empty folder its worktree will be added to): its git folders are bound now,
   * with `.git/worktrees` writable as a whole, as the worktree's admin folder does not exist yet.
   */
  repository?: string | undefined;
  /** More folders bound writable on top of the masks (a project's shared cache under Wharf's home). */
  writable?: readonly string[] | undefined;
};

/**
 * bubblewrap's arguments, up to and including the `--` that precedes the command:
 *
 * - the whole filesystem read-only (`--ro-bind / /`), a fresh /dev, a /proc of the sandbox's own
 *   PID namespace (so no /proc/<runner pid>/environ), a private /tmp and /var/tmp;
 * - Wharf's home and the database's socket folder replaced by empty tmpfs (token, database files,
 *   other worktrees, warm-agent folders are gone), except Wharf's agent folder, read-only;
 * - then, on top, the root writable, the git folders a commit in the root writes (see
 *   `gitWritablePaths`), and the agent's state folders writable;
 * - the process dies with the runner (`--die-with-parent`); network off means `--unshare-net`.
 *
 * Order matters: a later mount hides what an earlier one put at the same place, so the tmpfs
 * masks come before the binds they contain.
 */
export function bwrapArgs(policy: SandboxPolicy): string[] {
  const args = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "--tmpfs", "/var/tmp"];
  for (const dir of uniqueOutermost((policy.readable ?? []).flatMap(existingRealPath).filter(inPrivateTmp))) args.push("--ro-bind", dir, dir);
  for (const dir of uniqueOutermost(policy.hidden.flatMap(existingRealPath))) args.push("--tmpfs", dir);
  for (const dir of uniqueOutermost((policy.exposed ?? []).flatMap(existingRealPath))) args.push("--ro-bind", dir, dir);
  args.push("--bind", policy.root, policy.root);
  const git = gitPaths(policy.root, policy.repository);
  // The whole repository read-only first: it may lie under a masked folder (a repository in /tmp).
  if (git.common) args.push("--ro-bind-try", git.common, git.common);
  for (const dir of git.writable) args.push("--bind-try", dir, dir);
  for (const dir of policy.stateDirs) args.push("--bind-try", dir, dir);
  for (const dir of policy.writable ?? []) args.push("--bind", dir, dir);
  args.push("--unshare-pid", "--unshare-ipc", "--die-with-parent");
  if (!policy.network) args.push("--unshare-net");
  args.push("--chdir", policy.cwd, "--");
  return args;
}

/**
 * What git writes when it commits in a linked worktree: the worktree's own admin folder
 * (`<repo>/.git/worktrees/<name>`: HEAD, index, logs) and, in the shared repository, `objects`
 * and Wharf's own branches (`refs/heads/wharf`, `logs/refs/heads/wharf`). The repository's
 * `config`, `hooks`, `info` and every other ref stay read-only, so an agent can neither plant a
 * hook or an fsmonitor command that the person's own git would later run nor move the person's
 * branches or tags. (Wharf's own git commands in the worktree never trust the writable part: see
 * `pinWorktree` in @wharf/git.) A root that is a plain folder or a main checkout (no `.git` file)
 * adds nothing.
 */
export function gitWritablePaths(root: string): string[] {
  return gitPaths(root).writable;
}

function gitPaths(root: string, repository?: string): { common?: string; writable: string[] } {
  let gitFile: string;
  try {
    gitFile = readFileSync(path.join(root, ".git"), "utf8");
  } catch {
    // No .git file: a plain folder, a .git folder inside the root, or a worktree still to be added.
    if (!repository) return { writable: [] };
    const common = path.join(repository, ".git");
    return { common, writable: [path.join(common, "worktrees"), ...commitPaths(common)] };
  }
  const match = /^gitdir: (.+)$/m.exec(gitFile);
  if (!match?.[1]) return { writable: [] };
  const adminDir = path.resolve(root, match[1].trim());
  let common: string;
  try {
    common = path.resolve(adminDir, readFileSync(path.join(adminDir, "commondir"), "utf8").trim());
  } catch {
    return { writable: [adminDir] };
  }
  return { common, writable: [adminDir, ...commitPaths(common)] };
}

/**
 * The shared folders a commit on a `wharf/*` branch writes. The two ref folders are made when
 * missing (a repository whose refs were all packed has none), since a bind needs its folder.
 */
function commitPaths(common: string): string[] {
  const branches = [path.join(common, "refs", "heads", "wharf"), path.join(common, "logs", "refs", "heads", "wharf")];
  for (const dir of branches) {
    try {
      mkdirSync(dir, { recursive: true });
    } catch {
      // Not a repository we may write (or not one at all): the bind is skipped, git reports it.
    }
  }
  return [path.join(common, "objects"), ...branches];
}

/** bwrap mounts on real paths: a folder reached through a symlink (/var/run → /run) is named by its target. */
function existingRealPath(dir: string): string[] {
  try {
    return [realpathSync(dir)];
  } catch {
    return [];
  }
}

/** Inside one of the folders the sandbox replaces with an empty tmpfs of its own. */
function inPrivateTmp(dir: string): boolean {
  return ["/tmp", "/var/tmp"].some((tmp) => dir === tmp || dir.startsWith(tmp + path.sep));
}

/** Drops folders inside another listed one (the outer tmpfs already hides them). */
function uniqueOutermost(dirs: readonly string[]): string[] {
  const resolved = [...new Set(dirs.map((d) => path.resolve(d)))].sort();
  return resolved.filter((dir) => !resolved.some((other) => other !== dir && dir.startsWith(other + path.sep)));
}

/**
 * The folders real agents keep their logins and settings in, under the agent's HOME: bound
 * writable so the person's existing logins work (and refreshed tokens are kept).
 */
export function agentStateDirs(home: string | undefined): string[] {
  if (!home) return [];
  return [".claude", ".claude.json", ".codex", ".gemini", ".config/opencode", ".local/share/opencode", ".local/state/opencode", ".npm"].map((p) =>
    path.join(home, p),
  );
}

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { GitError } from "./git-error";
import { type Logger, stderrLogger } from "./logger";

/** Identity of the commits Wharf makes itself (task branches, and applied changes by default). */
export const wharfIdentity = { name: "Wharf", email: "wharf@localhost" } as const;

/**
 * Settings given to every git command so that what Wharf does never depends on the user's
 * global or system configuration: no hooks, no signing, no background gc, no fsmonitor daemon,
 * unquoted UTF-8 paths, no colour.
 */
const fixedConfig = [
  "core.hooksPath=/dev/null",
  "core.quotePath=false",
  "core.fsmonitor=false",
  "commit.gpgSign=false",
  "tag.gpgSign=false",
  "gc.auto=0",
  "maintenance.auto=false",
  "color.ui=never",
  "submodule.recurse=false",
  "advice.detachedHead=false",
];

/** Variables that would redirect git or start programs if inherited (the set simple-git guards). */
const guardedNames = new Set(["editor", "visual", "pager", "prefix", "ssh_askpass"]);

function isGuarded(name: string): boolean {
  const lower = name.toLowerCase();
  return lower.startsWith("git_") || guardedNames.has(lower);
}

/**
 * The environment for git: the process environment without any `GIT_*` variable (an inherited
 * `GIT_DIR` or `GIT_INDEX_FILE` would point git elsewhere) and with a fixed locale, so that
 * messages can be recognised.
 */
export function gitEnv(): NodeJS.ProcessEnv {
  // A copy of process.env (not a new object) keeps the type whatever augments ProcessEnv.
  const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: "C", LANGUAGE: "C" };
  for (const name of Object.keys(env)) if (isGuarded(name)) delete env[name];
  return env;
}

function gitConfigArgs(identity: Identity = wharfIdentity): string[] {
  return [...fixedConfig, `user.name=${identity.name}`, `user.email=${identity.email}`];
}

/** `-c key=value` pairs for every setting, to put before the git subcommand. */
export function configFlags(identity?: Identity): string[] {
  return gitConfigArgs(identity).flatMap((setting) => ["-c", setting]);
}

export interface Identity {
  name: string;
  email: string;
}

export interface RunGitOptions {
  cwd: string;
  /** Exit codes that are answers rather than failures (e.g. 1 from `merge-tree` on conflicts). */
  okExitCodes?: readonly number[];
  /** Written to git's stdin. */
  input?: string;
  /** Retry while another git process holds a lock file (default true). */
  retryOnLock?: boolean;
  /** Stop reading after this many bytes of stdout and end git; `truncated` is then true. */
  maxOutputBytes?: number;
  identity?: Identity;
  logger?: Logger;
  /**
   * Variables Wharf itself sets for this command, added after the scrub (e.g. `GIT_INDEX_FILE`
   * for a private index, `GIT_TERMINAL_PROMPT=0` for pushes). Never the user's.
   */
  env?: Readonly<Record<string, string>>;
  /** End git (SIGTERM, then SIGKILL) after this long; the result then has `timedOut: true`. */
  timeoutMs?: number;
}

export interface GitResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  truncated: boolean;
  /** True when git was ended because it ran past `timeoutMs`. */
  timedOut?: boolean;
}

/** Pauses between attempts while a lock file is held by someone else (about 5 s in all). */
export const lockRetryDelaysMs = [25, 50, 100, 200, 400, 800, 1000, 1000, 1000, 1000];

const lockPattern = /Unable to create '([^']+\.lock)': File exists|could not lock config file ([^:\s]+)/;

/** The lock file named in git's stderr when git failed because another process holds it. */
export function heldLockFile(stderr: string): string | undefined {
  const match = lockPattern.exec(stderr);
  return match ? (match[1] ?? match[2]) : undefined;
}

/**
 * Runs git with the fixed configuration and a clean environment. Resolves with git's output when
 * the exit code is 0 or in `okExitCodes`; otherwise throws a `GitError` (`busy` when a lock file
 * stayed held through every retry, `git_failed` otherwise).
 *
 * git is spawned directly rather than through simple-git: simple-git 4 waits a fixed 50 ms after
 * every command that prints nothing (most of the ones Wharf runs: worktree add, update-ref,
 * read-tree, add), which alone would put worktree creation over its time budget, and it cannot
 * hold a conversation on stdin (see ref-transaction.ts).
 */
export async function runGit(args: string[], options: RunGitOptions): Promise<GitResult> {
  const logger = options.logger ?? stderrLogger;
  const retry = options.retryOnLock ?? true;
  for (let attempt = 0; ; attempt++) {
    const result = await runOnce(args, options);
    if (result.exitCode === 0) return result;
    if (result.timedOut) {
      throw new GitError("git_failed", `git ${args[0] ?? ""} in ${options.cwd} did not finish within ${options.timeoutMs} ms and was stopped.`, {
        path: options.cwd,
        command: args,
        exitCode: result.exitCode,
        stderr: result.stderr,
      });
    }

    // A held lock is checked before okExitCodes: git reports it with the same code (128) as
    // answers some callers accept.
    const lockFile = heldLockFile(result.stderr);
    const delay = lockRetryDelaysMs[attempt];
    if (lockFile !== undefined && retry && delay !== undefined) {
      logger.info("git lock held by another process, retrying", {
        lockFile,
        command: args[0],
        delayMs: delay,
      });
      await sleep(delay);
      continue;
    }
    if (options.okExitCodes?.includes(result.exitCode) && (lockFile === undefined || !retry)) return result;
    if (lockFile !== undefined) {
      throw new GitError(
        "busy",
        `Another git process is holding ${lockFile}. Wait for it to finish; if no git command is running, delete that file and try again.`,
        { path: options.cwd, command: args, exitCode: result.exitCode, stderr: result.stderr },
      );
    }
    throw new GitError("git_failed", `git ${args[0] ?? ""} failed in ${options.cwd}: ${firstLine(result.stderr)}`, {
      path: options.cwd,
      command: args,
      exitCode: result.exitCode,
      stderr: result.stderr,
    });
  }
}

function firstLine(text: string): string {
  const line = text
    .split("\n")
    .map((l) => l.trim())
    .find((l) => l.length > 0);
  return line ?? "no message from git";
}

function runOnce(args: string[], options: RunGitOptions): Promise<GitResult> {
  const limit = options.maxOutputBytes;
  return new Promise((resolve, reject) => {
    const child = spawn("git", [...configFlags(options.identity), ...args], {
      cwd: options.cwd,
      env: { ...gitEnv(), ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill("SIGTERM");
            killTimer = setTimeout(() => child.kill("SIGKILL"), 2000);
          }, options.timeoutMs);
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let size = 0;
    let truncated = false;
    child.stdout.on("data", (chunk: Buffer) => {
      if (truncated) return;
      stdout.push(chunk);
      size += chunk.length;
      if (limit !== undefined && size > limit) {
        truncated = true;
        child.kill();
      }
    });
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      reject(spawnError(args, options.cwd, error));
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      resolve({
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: Buffer.concat(stderr).toString("utf8").trim(),
        exitCode: truncated ? 0 : timedOut && code === 0 ? -1 : (code ?? -1),
        truncated,
        ...(timedOut ? { timedOut } : {}),
      });
    });
    child.stdin.on("error", (error: NodeJS.ErrnoException) => {
      // EPIPE: git exited without reading all input; its exit code and stderr tell why.
      if (error.code !== "EPIPE") stderr.push(Buffer.from(`\n${String(error)}`));
    });
    // Without input git reads end-of-file at once: it never waits on an open pipe.
    child.stdin.end(options.input ?? "");
  });
}

function spawnError(args: string[], cwd: string, error: NodeJS.ErrnoException): GitError {
  const fields = { path: cwd, command: args, cause: error };
  if (error.code === "ENOENT" && !existsSync(cwd)) {
    return new GitError("not_found", `${cwd} does not exist.`, fields);
  }
  if (error.code === "ENOENT") {
    return new GitError("git_failed", "git was not found on PATH. Install git 2.38 or newer.", fields);
  }
  return new GitError("git_failed", `Could not run git ${args[0] ?? ""} in ${cwd}: ${error.message}`, fields);
}

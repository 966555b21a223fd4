import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { GitError, isGitError } from "./git-error";
import { wharfBranchPrefix } from "./list-worktrees";
import { type Logger } from "./logger";
import { authPatterns, batchSsh, noPromptEnv, safeProtocols, unreachablePatterns } from "./remote-access";
import { withRepoLock } from "./repo-lock";
import { runGit } from "./run-git";
import { resolveCommit } from "./checkout-state";

/*
 * Projects that live elsewhere: a repository reached by URL (https, ssh, git://, a path), cloned
 * once into a folder of Wharf's own and fetched from before each task; and the bundles that carry
 * a task branch's commits from the host that made them to another.
 */

export type RemoteFailure = "auth" | "unreachable" | "timed_out" | "empty" | "failed";

/** git could not read the URL: why, for a person (the URL named, never a credential prompt). */
export class RemoteReadError extends Error {
  readonly kind: RemoteFailure;
  readonly url: string;
  readonly stderr: string;
  constructor(kind: RemoteFailure, url: string, message: string, stderr = "") {
    super(message);
    this.name = "RemoteReadError";
    this.kind = kind;
    this.url = url;
    this.stderr = stderr;
  }
}

const defaultTimeoutMs = 60_000;

/** Runs a git command that reads `url`, turning its failures into a `RemoteReadError`. */
async function readRemote(url: string, args: string[], opts: { cwd: string; timeoutMs?: number; logger?: Logger; doing: string }) {
  const timeoutMs = opts.timeoutMs ?? defaultTimeoutMs;
  let result;
  try {
    result = await runGit([...safeProtocols, ...batchSsh, ...args], {
      cwd: opts.cwd,
      okExitCodes: [1, 2, 128],
      retryOnLock: false,
      timeoutMs,
      env: noPromptEnv,
      ...(opts.logger ? { logger: opts.logger } : {}),
    });
  } catch (error) {
    if (isGitError(error, "git_failed") && /did not finish within/.test(error.message)) {
      throw new RemoteReadError("timed_out", url, `${opts.doing} ${url} did not finish within ${Math.round(timeoutMs / 1000)} s. Check the URL, the network and that the server is up.`);
    }
    throw error;
  }
  if (result.exitCode === 0) return result;
  const stderr = result.stderr;
  const said = stderr.split("\n").map((line) => line.replace(/^(fatal|error):\s*/, "").trim()).find((line) => line.length > 0) ?? "no message from git";
  if (authPatterns.some((pattern) => pattern.test(stderr))) {
    throw new RemoteReadError("auth", url, `${opts.doing} ${url} was refused: ${said}. Wharf never prompts for credentials: give this host access (an ssh key in its agent, a credential helper, or a token in the URL's credential store), then try again.`, stderr);
  }
  if (unreachablePatterns.some((pattern) => pattern.test(stderr))) {
    throw new RemoteReadError("unreachable", url, `${opts.doing} ${url} failed: ${said}. Check the URL, the network and that the server is up.`, stderr);
  }
  throw new RemoteReadError("failed", url, `${opts.doing} ${url} failed: ${said}`, stderr);
}

export interface RemoteHead {
  /** The branch the remote's HEAD names (its default branch), if it says. */
  defaultBranch: string | null;
  branches: string[];
}

/** Checks that git can read `url` (ls-remote, bounded, no prompt) and lists its branches. */
export async function checkCloneUrl(url: string, opts: { timeoutMs?: number; logger?: Logger } = {}): Promise<RemoteHead> {
  const result = await readRemote(url, ["ls-remote", "--symref", "--", url, "HEAD", "refs/heads/*"], { ...opts, cwd: os.tmpdir(), doing: "Reading" });
  let defaultBranch: string | null = null;
  const branches: string[] = [];
  for (const line of result.stdout.split("\n")) {
    const symref = /^ref: refs\/heads\/(\S+)\tHEAD$/.exec(line);
    if (symref) defaultBranch = symref[1]!;
    const branch = /^[0-9a-f]{40,64}\trefs\/heads\/(\S+)$/.exec(line);
    if (branch) branches.push(branch[1]!);
  }
  if (branches.length === 0) throw new RemoteReadError("empty", url, `${url} has no branches yet. Push a first commit to it, then add it again.`);
  return { defaultBranch: defaultBranch !== null && branches.includes(defaultBranch) ? defaultBranch : null, branches };
}

/**
 * Makes `dir` a clone of `url` unless it already is one (serialised per folder; a clone made by
 * another process at the same moment is taken as is). The clone has no checked-out branch (a
 * detached HEAD and no files): task worktrees are made from it, and fetches may move any branch.
 * Returns whether it cloned.
 */
export async function ensureClone(input: { url: string; dir: string; timeoutMs?: number; logger?: Logger }): Promise<boolean> {
  return withRepoLock(input.dir, async () => {
    if (existsSync(path.join(input.dir, ".git"))) return false;
    await mkdir(path.dirname(input.dir), { recursive: true });
    const temp = await mkdtemp(`${input.dir}.cloning-`);
    try {
      await readRemote(input.url, ["clone", "--quiet", "--no-checkout", "--no-tags", "--", input.url, temp], { ...input, cwd: path.dirname(input.dir), doing: "Cloning" });
      const head = (await runGit(["rev-parse", "-q", "--verify", "HEAD^{commit}"], { cwd: temp, okExitCodes: [1] })).stdout.trim();
      if (head) await runGit(["update-ref", "--no-deref", "HEAD", head], { cwd: temp });
      try {
        await rename(temp, input.dir);
      } catch (error) {
        // Another process made it meanwhile: use theirs.
        if (existsSync(path.join(input.dir, ".git"))) return false;
        throw error;
      }
      return true;
    } finally {
      await rm(temp, { recursive: true, force: true });
    }
  });
}

/** Sets the clone's `branch` to the remote's (a fetch, forced: the remote is the truth). Returns its commit. */
export async function fetchBranch(input: { repoPath: string; url: string; branch: string; timeoutMs?: number; logger?: Logger }): Promise<string> {
  return withRepoLock(input.repoPath, async () => {
    const ref = `refs/heads/${input.branch}`;
    await readRemote(input.url, ["fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "--", input.url, `+${ref}:${ref}`], {
      ...input,
      cwd: input.repoPath,
      doing: `Fetching ${input.branch} from`,
    });
    const commit = await resolveCommit(input.repoPath, ref);
    if (commit === undefined) throw new RemoteReadError("failed", input.url, `${input.url} has no branch ${input.branch}.`);
    return commit;
  });
}

/** The commit `branch` points at in `repoPath`, or null when there is no such branch. */
export async function branchHead(repoPath: string, branch: string): Promise<string | null> {
  return (await resolveCommit(repoPath, `refs/heads/${branch}`)) ?? null;
}

/** The bundle of a task branch would be larger than allowed. */
export class BundleTooLargeError extends Error {
  constructor(
    readonly bytes: number,
    readonly maxBytes: number,
    branch: string,
  ) {
    super(
      `The commits of ${branch} make a bundle of ${(bytes / 1048576).toFixed(1)} MB, more than the ${(maxBytes / 1048576).toFixed(0)} MB Wharf sends between hosts. The work stays on the branch in this runner's clone; make the change smaller (large generated or binary files?) and try again.`,
    );
    this.name = "BundleTooLargeError";
  }
}

async function withTempFile<T>(fn: (file: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "wharf-bundle-"));
  try {
    return await fn(path.join(dir, "task.bundle"));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The commits of `branch` that `startsAt` lacks, as a git bundle (at most `maxBytes`). `startsAt`
 * is `since` when this repository has that commit (one every host that imports the bundle has:
 * where the task's stored bundle started), else `baseCommit`.
 */
export async function createBundle(input: {
  repoPath: string;
  branch: string;
  baseCommit: string;
  since?: string | undefined;
  maxBytes: number;
}): Promise<{ bundle: Buffer; startsAt: string }> {
  const since = input.since !== undefined && input.since !== input.baseCommit ? await resolveCommit(input.repoPath, input.since) : undefined;
  const startsAt = since ?? input.baseCommit;
  return withTempFile(async (file) => {
    await runGit(["bundle", "create", "--quiet", file, `refs/heads/${input.branch}`, `^${startsAt}`], { cwd: input.repoPath });
    const { size } = await stat(file);
    if (size > input.maxBytes) throw new BundleTooLargeError(size, input.maxBytes, input.branch);
    return { bundle: await readFile(file), startsAt };
  });
}

/**
 * Sets `branch` in `repoPath` to the bundle's `headCommit` unless it is there already (one
 * rev-parse). A bundle needs its base commit: when the repository lacks it and `source` is
 * given, the base branch is fetched from there first (objects only, no branch moves).
 * Returns whether the branch moved.
 */
export async function importBundle(input: {
  repoPath: string;
  bundle: Buffer;
  branch: string;
  headCommit: string;
  source?: { url: string; baseBranch: string; timeoutMs?: number };
  logger?: Logger;
}): Promise<boolean> {
  // Only Wharf's own branches are ever moved from a bundle, never a person's.
  if (!input.branch.startsWith(wharfBranchPrefix)) throw new GitError("invalid_argument", `Wharf imports only ${wharfBranchPrefix}* branches from a bundle, not "${input.branch}".`);
  const ref = `refs/heads/${input.branch}`;
  if ((await resolveCommit(input.repoPath, ref)) === input.headCommit) return false;
  return withTempFile(async (file) => {
    await writeFile(file, input.bundle);
    const fetch = () =>
      runGit(["fetch", "--quiet", "--no-tags", "--no-write-fetch-head", file, `+${ref}:${ref}`], { cwd: input.repoPath, okExitCodes: [1, 128] });
    let result = await withRepoLock(input.repoPath, fetch);
    if (result.exitCode !== 0 && /prerequisite/i.test(result.stderr) && input.source) {
      const { url, baseBranch } = input.source;
      await readRemote(url, ["fetch", "--quiet", "--no-tags", "--", url, `refs/heads/${baseBranch}`], {
        cwd: input.repoPath,
        ...(input.source.timeoutMs !== undefined && { timeoutMs: input.source.timeoutMs }),
        doing: `Fetching ${baseBranch} from`,
      });
      result = await withRepoLock(input.repoPath, fetch);
    }
    if (result.exitCode !== 0) {
      throw new Error(`Could not import the commits of ${input.branch} into ${input.repoPath}: ${result.stderr.split("\n")[0] ?? "no message from git"}`);
    }
    return true;
  });
}

import { GitError } from "./git-error";
import { type Logger } from "./logger";
import { listRemotes } from "./remote";
import { runGit } from "./run-git";
import { authPatterns, batchSsh, noPromptEnv, unreachablePatterns } from "./remote-access";

export type PushFailure = "no_such_remote" | "auth_failed" | "rejected" | "unreachable" | "timed_out" | "failed";

/** A push that did not land. `message` says what happened and what to do; fields are for programs. */
export class PushError extends Error {
  readonly kind: PushFailure;
  readonly remote: string;
  readonly branch: string;
  /** git's stderr, trimmed (remote lines included). */
  readonly stderr: string | undefined;

  constructor(kind: PushFailure, message: string, fields: { remote: string; branch: string; stderr?: string; cause?: unknown }) {
    super(message, fields.cause === undefined ? undefined : { cause: fields.cause });
    this.name = "PushError";
    this.kind = kind;
    this.remote = fields.remote;
    this.branch = fields.branch;
    this.stderr = fields.stderr;
  }
}

/** The project names a remote the repository does not have. */
export class NoSuchRemoteError extends PushError {
  /** The remotes the repository has. */
  readonly available: string[];
  constructor(remote: string, branch: string, available: string[]) {
    const have = available.length > 0 ? `It has: ${available.join(", ")}.` : "It has no remotes.";
    super(
      "no_such_remote",
      `The repository has no remote named "${remote}". ${have} Add it (git remote add ${remote} <url>) or choose another remote in the project settings.`,
      { remote, branch },
    );
    this.name = "NoSuchRemoteError";
    this.available = available;
  }
}

/** The remote refused Wharf's credentials, or there were none to give. */
export class PushAuthError extends PushError {
  constructor(remote: string, url: string, branch: string, stderr: string) {
    super(
      "auth_failed",
      `Pushing to ${remote} (${url}) failed: the remote did not accept the credentials (${firstLine(stderr)}). For https remotes set up a git credential helper with a token that may push; for ssh remotes load a key the remote accepts into ssh-agent. Wharf cannot answer password prompts.`,
      { remote, branch, stderr },
    );
    this.name = "PushAuthError";
  }
}

export type PushRejection = "non_fast_forward" | "protected" | "hook_declined" | "other";

/** The remote was reached and refused the branch. */
export class PushRejectedError extends PushError {
  readonly reason: PushRejection;
  /** What the remote said (`remote:` lines), for showing as is. */
  readonly remoteMessages: string[];
  constructor(remote: string, branch: string, remoteBranch: string, reason: PushRejection, detail: string, stderr: string) {
    const advice: Record<PushRejection, string> = {
      non_fast_forward: `${remote} has commits on ${remoteBranch} that this branch does not have. Push to another branch name, or rebase the task and push again.`,
      protected: `${remoteBranch} is protected on ${remote}. Push to another branch name and open a pull request instead.`,
      hook_declined: `A hook on ${remote} refused it; its message is above.`,
      other: `See the remote's message above.`,
    };
    const messages = remoteLines(stderr);
    const said = messages.length > 0 ? ` The remote said: ${messages.join(" / ")}.` : "";
    super("rejected", `${remote} rejected the push of ${branch} to ${remoteBranch} (${detail}).${said} ${advice[reason]}`, {
      remote,
      branch,
      stderr,
    });
    this.name = "PushRejectedError";
    this.reason = reason;
    this.remoteMessages = messages;
  }
}

/** The remote could not be reached (no such path, host unknown, connection refused or timed out). */
export class RemoteUnreachableError extends PushError {
  readonly url: string;
  constructor(remote: string, url: string, branch: string, stderr: string, kind: "unreachable" | "timed_out" = "unreachable") {
    const what = kind === "timed_out" ? "did not answer in time" : `could not be reached (${firstLine(stderr)})`;
    super(kind, `The remote ${remote} at ${url} ${what}. Check the URL (git remote -v), the network and that the server is up, then push again.`, {
      remote,
      branch,
      stderr,
    });
    this.name = "RemoteUnreachableError";
    this.url = url;
  }
}

export interface PushBranchInput {
  repoPath: string;
  /** A remote's name (not a URL). */
  remote: string;
  /** Local branch to push. */
  branch: string;
  /** Name on the remote; defaults to `branch`. */
  remoteBranch?: string;
  /** Replace the remote branch even if it has commits this one lacks (after a rebase of the task branch). */
  force?: boolean;
  /**
   * Replace the remote branch only if it still points at this commit (`--force-with-lease`), e.g.
   * the commit Wharf pushed there last: a rebased task branch replaces its own earlier push, and
   * commits someone else pushed meanwhile are refused (`non_fast_forward`, "stale info") instead
   * of lost.
   */
  lease?: string;
  /** Bound on the whole push (default 120 s). */
  timeoutMs?: number;
  logger?: Logger;
}

export interface PushBranchResult {
  remote: string;
  url: string;
  remoteBranch: string;
  /** The commit the remote branch now points at. */
  commit: string;
  /** False when the remote branch already had that commit. */
  updated: boolean;
}

/**
 * Pushes a local branch to a remote branch. Never prompts: terminal prompts are off and ssh runs
 * in batch mode (unless the repository configures its own `core.sshCommand`), so a missing
 * credential fails at once with `PushAuthError` instead of waiting. Failures are classified for
 * a person: `NoSuchRemoteError`, `PushAuthError`, `PushRejectedError` (non-fast-forward,
 * protected branch, a hook's refusal), `RemoteUnreachableError`; anything else is a plain
 * `PushError`. Nothing local changes either way.
 */
export async function pushBranch(input: PushBranchInput): Promise<PushBranchResult> {
  const { repoPath, remote, branch } = input;
  const remoteBranch = input.remoteBranch ?? branch;
  const remotes = await listRemotes(repoPath);
  const target = remotes.find((entry) => entry.name === remote);
  if (target === undefined) throw new NoSuchRemoteError(remote, branch, remotes.map((entry) => entry.name));

  const commit = await runGit(["rev-parse", "-q", "--verify", `refs/heads/${branch}^{commit}`], { cwd: repoPath, okExitCodes: [1] });
  if (commit.exitCode !== 0) {
    throw new PushError("failed", `There is no local branch ${branch} to push.`, { remote, branch });
  }

  const sshCommand = await runGit(["config", "--get", "core.sshCommand"], { cwd: repoPath, okExitCodes: [1] });
  const config = sshCommand.exitCode === 0 ? [] : batchSsh;
  const refspec = `${input.force ? "+" : ""}refs/heads/${branch}:refs/heads/${remoteBranch}`;
  const lease = input.lease === undefined ? [] : [`--force-with-lease=refs/heads/${remoteBranch}:${input.lease}`];
  const timeoutMs = input.timeoutMs ?? 120_000;
  let result;
  try {
    result = await runGit([...config, "push", "--porcelain", "--no-verify", ...lease, "--", remote, refspec], {
      cwd: repoPath,
      okExitCodes: [1, 128],
      retryOnLock: false,
      timeoutMs,
      env: noPromptEnv,
      ...(input.logger ? { logger: input.logger } : {}),
    });
  } catch (error) {
    if (error instanceof GitError && /did not finish within/.test(error.message)) {
      throw new RemoteUnreachableError(remote, target.url, branch, error.stderr ?? "", "timed_out");
    }
    throw error;
  }
  const status = porcelainStatus(result.stdout, remoteBranch);
  if (result.exitCode === 0 && status !== undefined && (status.flag === " " || status.flag === "=" || status.flag === "+" || status.flag === "*")) {
    return { remote, url: target.url, remoteBranch, commit: commit.stdout.trim(), updated: status.flag !== "=" };
  }
  throw classify(remote, target.url, branch, remoteBranch, result.stderr, status);
}

interface RefStatus {
  flag: string;
  summary: string;
}

/** The line of `git push --porcelain` for the pushed ref: `<flag>\t<from>:<to>\t<summary>`. */
function porcelainStatus(stdout: string, remoteBranch: string): RefStatus | undefined {
  for (const line of stdout.split("\n")) {
    const [flag, refs, summary = ""] = line.split("\t");
    if (flag !== undefined && flag.length === 1 && refs?.endsWith(`:refs/heads/${remoteBranch}`)) return { flag, summary };
  }
  return undefined;
}

function classify(
  remote: string,
  url: string,
  branch: string,
  remoteBranch: string,
  stderr: string,
  status: RefStatus | undefined,
): PushError {
  if (status !== undefined && status.flag === "!") {
    const summary = status.summary;
    const reason: PushRejection = /non-fast-forward|fetch first|stale info/.test(summary)
      ? "non_fast_forward"
      : /protected/i.test(summary) || /protected branch/i.test(stderr)
        ? "protected"
        : /hook declined/.test(summary)
          ? "hook_declined"
          : "other";
    return new PushRejectedError(remote, branch, remoteBranch, reason, summary.replace(/^\[|\]$/g, ""), stderr);
  }
  if (authPatterns.some((pattern) => pattern.test(stderr))) return new PushAuthError(remote, url, branch, stderr);
  if (unreachablePatterns.some((pattern) => pattern.test(stderr))) return new RemoteUnreachableError(remote, url, branch, stderr);
  return new PushError("failed", `Pushing ${branch} to ${remote} (${url}) failed: ${firstLine(stderr)}`, { remote, branch, stderr });
}

function remoteLines(stderr: string): string[] {
  return stderr
    .split("\n")
    .filter((line) => line.startsWith("remote:"))
    .map((line) => line.slice("remote:".length).trim())
    .filter((line) => line.length > 0);
}

function firstLine(text: string): string {
  return (
    text
      .split("\n")
      .map((line) => line.replace(/^(fatal|error):\s*/, "").trim())
      .find((line) => line.length > 0) ?? "no message from git"
  );
}

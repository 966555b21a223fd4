import { spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { GitError } from "./git-error";
import { type Logger, stderrLogger } from "./logger";
import { configFlags, gitEnv, heldLockFile, lockRetryDelaysMs } from "./run-git";

export interface RefUpdate {
  cwd: string;
  /** Full ref name, e.g. `refs/heads/main`. */
  ref: string;
  newValue: string;
  /** The value the ref must still have; otherwise nothing happens and the result is `ref_moved`. */
  oldValue: string;
  reflogMessage: string;
  logger?: Logger;
}

export type RefUpdateOutcome = "committed" | "ref_moved";

/**
 * Moves a ref from `oldValue` to `newValue` while holding git's lock on it, and runs `during`
 * between taking the lock and committing: nobody else can move the ref meanwhile, and if
 * `during` throws the ref is left as it was.
 *
 * This drives `git update-ref --stdin` interactively (start, prepare, commit/abort) with the same
 * configuration and environment as runGit.
 */
export async function updateRefWhile(update: RefUpdate, during: () => Promise<void>): Promise<RefUpdateOutcome> {
  const logger = update.logger ?? stderrLogger;
  for (let attempt = 0; ; attempt++) {
    const transaction = startTransaction(update);
    const prepared = await transaction.prepare();
    if (prepared.ok) {
      try {
        await during();
      } catch (error) {
        await transaction.finish("abort");
        throw error;
      }
      await transaction.finish("commit");
      return "committed";
    }
    if (/is at [0-9a-f]+ but expected|reference already exists|unable to resolve reference/.test(prepared.stderr)) {
      return "ref_moved";
    }
    const lockFile = heldLockFile(prepared.stderr);
    const delay = lockRetryDelaysMs[attempt];
    if (lockFile === undefined) {
      throw new GitError("git_failed", `Could not lock ${update.ref}: ${prepared.stderr}`, {
        path: update.cwd,
        stderr: prepared.stderr,
      });
    }
    if (delay === undefined) {
      throw new GitError(
        "busy",
        `Another git process is holding ${lockFile}. Wait for it to finish; if no git command is running, delete that file and try again.`,
        { path: update.cwd, stderr: prepared.stderr },
      );
    }
    logger.info("git lock held by another process, retrying", { lockFile, command: "update-ref", delayMs: delay });
    await sleep(delay);
  }
}

interface Transaction {
  prepare(): Promise<{ ok: true } | { ok: false; stderr: string }>;
  finish(verb: "commit" | "abort"): Promise<void>;
}

function startTransaction(update: RefUpdate): Transaction {
  const child = spawn("git", [...configFlags(), "update-ref", "-m", update.reflogMessage, "--stdin"], {
    cwd: update.cwd,
    env: gitEnv(),
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const waiters: Array<() => void> = [];
  const wake = () => waiters.splice(0).forEach((resolve) => resolve());
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
    wake();
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  child.stdin.on("error", (error: NodeJS.ErrnoException) => {
    // EPIPE: git exited early (say, the ref had moved); its stderr says why.
    if (error.code !== "EPIPE") stderr += `\n${String(error)}`;
  });
  let closed = false;
  const exited = new Promise<number>((resolve) => {
    child.on("close", (code) => {
      closed = true;
      resolve(code ?? -1);
      wake();
    });
    child.on("error", (error) => {
      stderr += String(error);
      closed = true;
      resolve(-1);
      wake();
    });
  });

  /** Waits until git has printed `<verb>: ok`, or has exited. */
  async function waitFor(verb: string): Promise<boolean> {
    while (!stdout.includes(`${verb}: ok\n`)) {
      if (closed) return false;
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
    return true;
  }

  return {
    async prepare() {
      child.stdin.write(`start\nupdate ${update.ref} ${update.newValue} ${update.oldValue}\nprepare\n`);
      if (await waitFor("prepare")) return { ok: true };
      await exited;
      return { ok: false, stderr: stderr.trim() };
    },
    async finish(verb) {
      child.stdin.end(`${verb}\n`);
      const code = await exited;
      if (code !== 0 || !stdout.includes(`${verb}: ok\n`)) {
        throw new GitError("git_failed", `Could not ${verb} the update of ${update.ref}: ${stderr.trim()}`, {
          path: update.cwd,
          exitCode: code,
          stderr: stderr.trim(),
        });
      }
    },
  };
}

import { accessSync, constants as fsConstants, statSync } from "node:fs";
import path from "node:path";

/**
 * Where a command runs from, checked before anything is spawned: a path (with a `/`) is taken
 * relative to `cwd`, a bare name is looked up on `envPath` the way a shell would. The one
 * definition of "can this command start" for the runner: the sandbox checks it before wrapping a
 * command in bubblewrap (so a missing command is reported by name, not as bwrap's exit 1), and
 * the PTY transport checks it before opening a terminal.
 */
export type CommandCheck = { ok: true; path: string } | { ok: false; code: "ENOENT" | "EACCES" };

export function checkCommand(command: string, envPath: string | undefined, cwd: string): CommandCheck {
  if (!command) return { ok: false, code: "ENOENT" };
  const candidates = command.includes("/")
    ? [path.resolve(cwd, command)]
    : (envPath ?? "").split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, command));
  let sawFile = false;
  for (const candidate of candidates) {
    try {
      if (!statSync(candidate).isFile()) continue;
    } catch {
      continue; // not here; keep looking
    }
    sawFile = true;
    try {
      accessSync(candidate, fsConstants.X_OK);
      return { ok: true, path: candidate };
    } catch {
      // a file without the execute bit; a later folder may hold an executable one
    }
  }
  return { ok: false, code: sawFile ? "EACCES" : "ENOENT" };
}

/** Thrown by the spawn functions when a command cannot start, with the errno node's spawn would report. */
export class CommandNotRunnableError extends Error implements NodeJS.ErrnoException {
  readonly syscall = "spawn";
  constructor(
    readonly command: string,
    readonly code: "ENOENT" | "EACCES",
  ) {
    super(`spawn ${command} ${code}`);
    this.name = "CommandNotRunnableError";
  }
}

/** What a person reads when an agent's command cannot start (the same with the sandbox on or off). */
export function commandProblem(command: string, code: string | undefined, message: string): string {
  if (code === "ENOENT") return `could not be started: the command "${command}" was not found (install it, or fix the agent's command)`;
  if (code === "EACCES") return `could not be started: "${command}" is not executable (make it executable with chmod +x, or fix the agent's command)`;
  return `could not be started: ${message}`;
}

/**
 * bubblewrap reports a command it cannot run as its own failure (`bwrap: execvp <cmd>: No such
 * file or directory`, exit 1); this reads it back as the errno node's spawn would have given.
 */
export function bwrapExecFailure(stderr: string): { command: string; code: "ENOENT" | "EACCES" } | null {
  const match = /^bwrap: execvp (.+): (No such file or directory|Permission denied)$/m.exec(stderr);
  if (!match?.[1]) return null;
  return { command: match[1], code: match[2] === "Permission denied" ? "EACCES" : "ENOENT" };
}

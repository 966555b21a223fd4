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

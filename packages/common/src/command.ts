import { accessSync, constants as fsConstants, statSync } from "node:fs";
import path from "node:path";

/**
 * Where a command runs from, checked before anything is spawned: a path (with a `/`) is taken
 * relative to `cwd`, a bare name is looked up on `envPath` the way a shell would (the first
 * executable file wins; a folder or a file without the execute bit is passed over). The one
 * definition of "can this command start": agent detection asks it, the runner's sandbox checks it
 * before wrapping a command in bubblewrap (so a missing command is reported by name, not as
 * bwrap's exit 1), and the PTY transport checks it before opening a terminal.
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

import { lstat, readlink, realpath } from "node:fs/promises";
import path from "node:path";
import { errnoCode } from "@wharf/common";

/**
 * Confinement of agent file access to the task's worktree. Every path an agent names (fs/*,
 * terminal cwd) goes through `resolveInside` before anything touches the disk.
 */

export type ConfineReason =
  | "empty"
  | "nul_byte"
  | "outside"
  | "symlink_escape"
  | "git_internals"
  | "not_a_directory"
  | "too_many_links"
  | "too_long";

export class ConfinementError extends Error {
  constructor(
    readonly root: string,
    readonly requested: string,
    readonly reason: ConfineReason,
    message: string,
  ) {
    super(message);
    this.name = "ConfinementError";
  }
}

const maxLinks = 40;

/** True when `candidate` (absolute) is `root` or below it. */
export function isWithin(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}


/**
 * The real path of `p`, where trailing components may not exist yet. Dangling symlinks are
 * followed to where they point (a write would create the file there).
 */
async function realpathAllowMissing(p: string, hops = 0): Promise<string> {
  if (hops > maxLinks) throw Object.assign(new Error("too many symbolic links"), { code: "ELOOP" });
  try {
    return await realpath(p);
  } catch (error) {
    if (errnoCode(error) !== "ENOENT") throw error;
  }
  let stat;
  try {
    stat = await lstat(p);
  } catch (error) {
    if (errnoCode(error) !== "ENOENT") throw error;
    const parent = path.dirname(p);
    if (parent === p) throw error;
    return path.join(await realpathAllowMissing(parent, hops), path.basename(p));
  }
  if (!stat.isSymbolicLink()) return p; // appeared meanwhile
  const target = path.resolve(path.dirname(p), await readlink(p));
  return realpathAllowMissing(target, hops + 1);
}

/** The path as it can be shown in one line of a message: control characters escaped, long ones cut. */
export function printablePath(requested: string): string {
  const names: Record<string, string> = { "\0": "\\0", "\n": "\\n", "\r": "\\r", "\t": "\\t" };
  const escaped = requested.replace(/[\u0000-\u001f\u007f]/g, (c) => names[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return escaped.length > 300 ? `${escaped.slice(0, 150)}…(${requested.length} characters)…${escaped.slice(-100)}` : escaped;
}

/**
 * Resolves `requested` (absolute, or relative to `root`) to a real absolute path inside `root`.
 * Refuses NUL bytes, `..` escapes, absolute paths elsewhere, symlinks in any component that lead
 * outside, and anything under a `.git` directory or file (git's own state is not the agent's to
 * edit: a worktree's `.git` file points at the shared repository). The path may not exist yet.
 */
export async function resolveInside(root: string, requested: string): Promise<string> {
  const refuse = (reason: ConfineReason, why: string) =>
    new ConfinementError(root, requested, reason, `Refused path "${printablePath(requested)}": ${why}`);
  if (requested.length === 0) throw refuse("empty", "the path is empty");
  if (requested.includes("\0")) throw refuse("nul_byte", "the path contains a NUL byte");

  const rootReal = await realpath(root);
  const rootAbs = path.resolve(root);
  const lexical = path.isAbsolute(requested) ? path.resolve(requested) : path.resolve(rootReal, requested);
  let rel: string;
  if (isWithin(rootReal, lexical)) rel = path.relative(rootReal, lexical);
  else if (isWithin(rootAbs, lexical)) rel = path.relative(rootAbs, lexical);
  else throw refuse("outside", `it is outside the task's worktree ${rootReal}`);

  if (rel.split(path.sep).some((part) => part.toLowerCase() === ".git")) {
    throw refuse("git_internals", "files under .git belong to git, not to the agent");
  }

  let real: string;
  try {
    real = await realpathAllowMissing(path.join(rootReal, rel));
  } catch (error) {
    const code = errnoCode(error);
    if (code === "ENOTDIR") throw refuse("not_a_directory", "a component of the path is a file, not a directory");
    if (code === "ELOOP") throw refuse("too_many_links", "too many symbolic links");
    if (code === "ENAMETOOLONG") throw refuse("too_long", "the path or one of its names is longer than the system allows");
    throw error;
  }
  if (!isWithin(rootReal, real)) {
    throw refuse("symlink_escape", `a symbolic link in it leads outside the task's worktree (to ${real})`);
  }
  const realRel = path.relative(rootReal, real);
  if (realRel.split(path.sep).some((part) => part.toLowerCase() === ".git")) {
    throw refuse("git_internals", "a symbolic link in it leads into .git");
  }
  return real;
}

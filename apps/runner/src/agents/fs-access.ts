import { constants } from "node:fs";
import { mkdir, open, readlink, realpath, unlink, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { errnoCode } from "@wharf/common";
import { ConfinementError, isWithin, printablePath, resolveInside } from "./confine";
import { isPnpmStoreFile } from "./pnpm-store";

/** ACP `fs/read_text_file` and `fs/write_text_file`, confined to the worktree. */

const maxTextFileBytes = 32 * 1024 * 1024;

export type FileAccessReason = "not_a_file" | "hard_link" | "too_large";

export class FileAccessError extends Error {
  constructor(
    readonly path: string,
    readonly reason: FileAccessReason,
    message: string,
  ) {
    super(message);
    this.name = "FileAccessError";
  }
}


/** Lines `line` (1-based) to `line + limit - 1` of `text`, line endings kept. */
export function sliceLines(text: string, line?: number | null, limit?: number | null): string {
  if ((line === undefined || line === null) && (limit === undefined || limit === null)) return text;
  const lines = text.split(/(?<=\n)/);
  const start = Math.max(0, (line ?? 1) - 1);
  const end = limit === undefined || limit === null ? lines.length : start + Math.max(0, limit);
  return lines.slice(start, end).join("");
}

/**
 * Where an open file really is, from the kernel (Linux: /proc/self/fd). A directory swapped for
 * a symbolic link between `resolveInside` and `open` would otherwise go unnoticed.
 */
async function openedPath(handle: FileHandle): Promise<string | null> {
  if (process.platform !== "linux") return null;
  return (await readlink(`/proc/self/fd/${handle.fd}`)).replace(/ \(deleted\)$/, "");
}

/** Refuses an open file that is not where `resolveInside` said it would be. */
async function assertOpenedInside(root: string, requested: string, handle: FileHandle): Promise<void> {
  const opened = await openedPath(handle);
  if (opened === null) return;
  const rootReal = await realpath(root);
  if (!isWithin(rootReal, opened)) {
    throw new ConfinementError(root, requested, "symlink_escape", `Refused path "${printablePath(requested)}": it changed while being opened and now leads outside the task's worktree`);
  }
}

/** Errors of open(2) that mean "this is not a regular file we may use". */
function openRefusal(requested: string, verb: "read" | "write", error: unknown): FileAccessError | null {
  const code = errnoCode(error);
  if (code === "ELOOP") return new FileAccessError(requested, "not_a_file", `Cannot ${verb} "${printablePath(requested)}": it is a symbolic link that appeared while it was being opened`);
  if (code === "EISDIR") return new FileAccessError(requested, "not_a_file", `Cannot ${verb} "${printablePath(requested)}": it is a directory`);
  if (code === "ENXIO" || code === "ENODEV" || code === "EOPNOTSUPP") {
    return new FileAccessError(requested, "not_a_file", `Cannot ${verb} "${printablePath(requested)}": not a regular file`);
  }
  return null;
}

function hardLinked(requested: string, verb: "read" | "write", links: number): FileAccessError {
  return new FileAccessError(
    requested,
    "hard_link",
    `Cannot ${verb} "${printablePath(requested)}": it is hard-linked (${links} links), so it may be a file outside the task under another name`,
  );
}

/**
 * Reads a text file inside `root`. A file that does not exist reads as empty text. Hard-linked
 * files are refused (another name of the same file may be anywhere, e.g. a secret outside), except
 * files of pnpm's store linked into node_modules (`isPnpmStoreFile`). Writes refuse every hard link.
 */
export async function readTextFile(
  root: string,
  requested: string,
  line?: number | null,
  limit?: number | null,
): Promise<string> {
  const real = await resolveInside(root, requested);
  let handle;
  try {
    // O_NONBLOCK: opening a FIFO must not hang the runner; O_NOFOLLOW: no last-moment symlink.
    handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return "";
    throw openRefusal(requested, "read", error) ?? error;
  }
  try {
    await assertOpenedInside(root, requested, handle);
    const stat = await handle.stat();
    if (!stat.isFile()) throw new FileAccessError(requested, "not_a_file", `Cannot read "${printablePath(requested)}": not a regular file`);
    if (stat.size > maxTextFileBytes) {
      throw new FileAccessError(
        requested,
        "too_large",
        `Cannot read "${printablePath(requested)}": ${stat.size} bytes is more than the ${maxTextFileBytes}-byte limit for text files`,
      );
    }
    const content = await handle.readFile();
    // A hard link may be a file outside the task under another name; pnpm's store links are not.
    if (stat.nlink > 1 && !(await isPnpmStoreFile(root, real, stat, content))) throw hardLinked(requested, "read", stat.nlink);
    return sliceLines(content.toString("utf8"), line, limit);
  } finally {
    await handle.close();
  }
}

/** Writes (creates or replaces) a text file inside `root`, creating parent directories. */
export async function writeTextFile(root: string, requested: string, content: string): Promise<void> {
  const real = await resolveInside(root, requested);
  await mkdir(path.dirname(real), { recursive: true });
  // The directories may have changed meanwhile: resolve again, then open without following a
  // final symlink, and check where the kernel actually opened the file before changing it.
  if ((await resolveInside(root, requested)) !== real) {
    throw new ConfinementError(root, requested, "symlink_escape", `Refused path "${printablePath(requested)}": it changed while being written`);
  }
  const flags = constants.O_WRONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
  let handle: FileHandle;
  let created = false;
  try {
    handle = await open(real, flags);
  } catch (error) {
    if (errnoCode(error) !== "ENOENT") throw openRefusal(requested, "write", error) ?? error;
    try {
      handle = await open(real, flags | constants.O_CREAT | constants.O_EXCL, 0o666);
      created = true;
    } catch (retry) {
      throw openRefusal(requested, "write", retry) ?? retry;
    }
  }
  try {
    try {
      await assertOpenedInside(root, requested, handle);
    } catch (error) {
      // We created an empty file outside: remove it where the kernel says it is.
      const opened = created ? await openedPath(handle) : null;
      if (opened) await unlink(opened).catch((cleanup: unknown) => console.error(`could not remove ${opened}:`, cleanup));
      throw error;
    }
    const stat = await handle.stat();
    if (!stat.isFile()) throw new FileAccessError(requested, "not_a_file", `Cannot write "${printablePath(requested)}": not a regular file`);
    if (stat.nlink > 1) throw hardLinked(requested, "write", stat.nlink);
    await handle.truncate(0);
    await handle.writeFile(content, { encoding: "utf8" });
  } finally {
    await handle.close();
  }
}

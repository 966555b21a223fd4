import { constants } from "node:fs";
import { mkdir, open } from "node:fs/promises";
import path from "node:path";
import { resolveInside } from "./confine";

/** ACP `fs/read_text_file` and `fs/write_text_file`, confined to the worktree. */

export const maxTextFileBytes = 32 * 1024 * 1024;

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

function errnoOf(error: unknown): string | undefined {
  return typeof error === "object" && error !== null ? (error as { code?: string }).code : undefined;
}

/** Lines `line` (1-based) to `line + limit - 1` of `text`, line endings kept. */
export function sliceLines(text: string, line?: number | null, limit?: number | null): string {
  if ((line === undefined || line === null) && (limit === undefined || limit === null)) return text;
  const lines = text.split(/(?<=\n)/);
  const start = Math.max(0, (line ?? 1) - 1);
  const end = limit === undefined || limit === null ? lines.length : start + Math.max(0, limit);
  return lines.slice(start, end).join("");
}

/** Reads a text file inside `root`. A file that does not exist reads as empty text. */
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
    if (errnoOf(error) === "ENOENT") return "";
    throw error;
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new FileAccessError(requested, "not_a_file", `Cannot read "${requested}": not a regular file`);
    if (stat.size > maxTextFileBytes) {
      throw new FileAccessError(
        requested,
        "too_large",
        `Cannot read "${requested}": ${stat.size} bytes is more than the ${maxTextFileBytes}-byte limit for text files`,
      );
    }
    return sliceLines(await handle.readFile({ encoding: "utf8" }), line, limit);
  } finally {
    await handle.close();
  }
}

/** Writes (creates or replaces) a text file inside `root`, creating parent directories. */
export async function writeTextFile(root: string, requested: string, content: string): Promise<void> {
  const real = await resolveInside(root, requested);
  await mkdir(path.dirname(real), { recursive: true });
  const handle = await open(real, constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK, 0o666);
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new FileAccessError(requested, "not_a_file", `Cannot write "${requested}": not a regular file`);
    if (stat.nlink > 1) {
      throw new FileAccessError(
        requested,
        "hard_link",
        `Cannot write "${requested}": it is hard-linked (${stat.nlink} links), so writing it would change a file outside the task`,
      );
    }
    await handle.truncate(0);
    await handle.writeFile(content, { encoding: "utf8" });
  } finally {
    await handle.close();
  }
}

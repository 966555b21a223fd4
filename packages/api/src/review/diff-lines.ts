/**
 * The lines a unified diff shows, by file and line number on each side, so a comment on
 * `path:line` can be quoted and checked without reading the repository.
 */

export type DiffSide = "old" | "new";

export interface DiffFileLines {
  /** Path on the new side (the old path for a deleted file). */
  path: string;
  oldPath: string | undefined;
  /** Line number → text (without the leading ` `, `-` or `+`), for the lines the hunks show. */
  old: Map<number, string>;
  new: Map<number, string>;
}

const hunkHeader = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/** Parses `git diff` output (several files, `a/` and `b/` prefixes) into per-file line maps. */
export function parseDiffLines(diff: string): Map<string, DiffFileLines> {
  const files = new Map<string, DiffFileLines>();
  let current: DiffFileLines | undefined;
  let oldLine = 0;
  let newLine = 0;
  let inHunk = false;
  let minus: string | undefined;

  for (const line of diff.split("\n")) {
    if (line.startsWith("diff --git ")) {
      current = undefined;
      inHunk = false;
      minus = undefined;
      continue;
    }
    if (!inHunk && line.startsWith("--- ")) {
      minus = diffPath(line.slice(4), "a/");
      continue;
    }
    if (!inHunk && line.startsWith("+++ ")) {
      const plus = diffPath(line.slice(4), "b/");
      const path = plus ?? minus;
      if (path === undefined) continue;
      current = { path, oldPath: minus, old: new Map(), new: new Map() };
      files.set(path, current);
      continue;
    }
    const header = hunkHeader.exec(line);
    if (header && current) {
      oldLine = Number(header[1]);
      newLine = Number(header[3]);
      inHunk = true;
      continue;
    }
    if (!inHunk || !current) continue;
    if (line.startsWith(" ")) {
      current.old.set(oldLine++, line.slice(1));
      current.new.set(newLine++, line.slice(1));
    } else if (line.startsWith("-")) {
      current.old.set(oldLine++, line.slice(1));
    } else if (line.startsWith("+")) {
      current.new.set(newLine++, line.slice(1));
    } else if (!line.startsWith("\\")) {
      inHunk = false; // the next file's header, or the end
    }
  }
  return files;
}

/** `a/path`, `"b/quoted path"` or `/dev/null` (undefined). */
function diffPath(text: string, prefix: string): string | undefined {
  let path = text.replace(/\t.*$/, "");
  if (path === "/dev/null") return undefined;
  if (path.startsWith('"') && path.endsWith('"')) {
    path = path
      .slice(1, -1)
      .replace(/\\t/g, "\t")
      .replace(/\\n/g, "\n")
      .replace(/\\"/g, '"')
      .replace(/\\\\/g, "\\");
  }
  return path.startsWith(prefix) ? path.slice(prefix.length) : path;
}

/**
 * The text of lines `start..end` on one side: from the full file content when given (new side at
 * the change's head), else from the diff. Lines neither shows are `undefined`.
 */
export function linesOf(
  file: { lines?: DiffFileLines; content?: string | null },
  side: DiffSide,
  start: number,
  end: number,
): Array<string | undefined> {
  const fromContent = side === "new" && typeof file.content === "string" ? splitLines(file.content) : undefined;
  const out: Array<string | undefined> = [];
  for (let n = start; n <= end; n++) {
    out.push(fromContent ? fromContent[n - 1] : file.lines?.[side].get(n));
  }
  return out;
}

export function splitLines(content: string): string[] {
  const lines = content.split("\n");
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

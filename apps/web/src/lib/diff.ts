export type DiffLine = { type: "add" | "del" | "ctx"; text: string; oldNo?: number; newNo?: number };
type DiffHunk = { header: string; lines: DiffLine[] };
export type DiffFile = { path: string; oldPath?: string; binary: boolean; hunks: DiffHunk[] };

/** Parses `git diff` output into files and hunks. Unknown lines are ignored. */
export function parseUnifiedDiff(diff: string): DiffFile[] {
  const files: DiffFile[] = [];
  let file: DiffFile | null = null;
  let hunk: DiffHunk | null = null;
  let oldNo = 0;
  let newNo = 0;
  for (const line of diff.split("\n")) {
    if (line.startsWith("diff --git ")) {
      const match = /^diff --git a\/(.*) b\/(.*)$/.exec(line);
      file = { path: match?.[2] ?? line.slice(11), oldPath: match?.[1], binary: false, hunks: [] };
      if (file.oldPath === file.path) delete file.oldPath;
      files.push(file);
      hunk = null;
      continue;
    }
    if (!file) continue;
    if (line.startsWith("@@")) {
      const match = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line);
      oldNo = Number(match?.[1] ?? 0);
      newNo = Number(match?.[2] ?? 0);
      hunk = { header: line, lines: [] };
      file.hunks.push(hunk);
      continue;
    }
    if (!hunk) {
      if (line.startsWith("Binary files")) file.binary = true;
      continue;
    }
    if (line.startsWith("+")) hunk.lines.push({ type: "add", text: line.slice(1), newNo: newNo++ });
    else if (line.startsWith("-")) hunk.lines.push({ type: "del", text: line.slice(1), oldNo: oldNo++ });
    else if (line.startsWith(" ")) hunk.lines.push({ type: "ctx", text: line.slice(1), oldNo: oldNo++, newNo: newNo++ });
  }
  return files;
}

export type SplitRow = { left?: DiffLine; right?: DiffLine };

/** Pairs a hunk's deletions with the additions that follow them, for a side-by-side view. */
export function splitRows(lines: DiffLine[]): SplitRow[] {
  const rows: SplitRow[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (line.type === "ctx") {
      rows.push({ left: line, right: line });
      i++;
      continue;
    }
    const dels: DiffLine[] = [];
    const adds: DiffLine[] = [];
    while (i < lines.length && lines[i]!.type === "del") dels.push(lines[i++]!);
    while (i < lines.length && lines[i]!.type === "add") adds.push(lines[i++]!);
    for (let k = 0; k < Math.max(dels.length, adds.length); k++) rows.push({ left: dels[k], right: adds[k] });
  }
  return rows;
}

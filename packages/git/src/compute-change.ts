import { z } from "zod";
import { type ChangeFile, type ChangeFileStatus, changeFileSchema } from "./change-file";
import { GitError } from "./git-error";
import { runGit } from "./run-git";

export interface ComputeChangeInput {
  worktreePath: string;
  baseCommit: string;
  headCommit: string;
  /** Largest diff text kept (default 5 MiB); a longer one is cut at a line end and marked. */
  maxDiffBytes?: number;
}

export interface Change {
  files: ChangeFile[];
  additions: number;
  deletions: number;
  /** Unified diff from baseCommit to headCommit (renames detected, no colour). */
  diff: string;
  /** True when `diff` was cut at `maxDiffBytes`; it then ends with `diffTruncationMarker`. */
  diffTruncated: boolean;
}

export const defaultMaxDiffBytes = 5 * 1024 * 1024;

/** First words of the line appended to a diff that was cut short. */
export const diffTruncationMarker = "[wharf] diff truncated";

/** Options that make diff output independent of the user's configuration. */
const diffOptions = [
  "--no-color",
  "--no-ext-diff",
  "--no-textconv",
  "--no-relative",
  "--find-renames",
  "-l1000",
  "--ignore-submodules=none",
];

/**
 * What changed between two commits: per-file status and line counts, totals, and the unified
 * diff. Untracked files count only once committed, so call `commitAll` first.
 */
export async function computeChange(input: ComputeChangeInput): Promise<Change> {
  const cwd = input.worktreePath;
  const maxBytes = input.maxDiffBytes ?? defaultMaxDiffBytes;
  const range = [input.baseCommit, input.headCommit];
  const [summary, patch] = await Promise.all([
    runGit(["diff", "-z", "--raw", "--numstat", ...diffOptions, ...range, "--"], { cwd }),
    runGit(
      [
        "diff",
        ...diffOptions,
        "--src-prefix=a/",
        "--dst-prefix=b/",
        "-U3",
        "--inter-hunk-context=0",
        "--diff-algorithm=myers",
        "--indent-heuristic",
        "--submodule=short",
        ...range,
        "--",
      ],
      { cwd, maxOutputBytes: maxBytes },
    ),
  ]);

  const parsed = z.array(changeFileSchema).safeParse(parseRawNumstat(summary.stdout));
  if (!parsed.success) {
    throw new GitError("git_failed", `Unexpected output from git diff in ${cwd}: ${parsed.error.message}`, {
      path: cwd,
    });
  }
  const files = parsed.data;
  const diff = patch.truncated ? truncateDiff(patch.stdout, maxBytes) : patch.stdout;
  return {
    files,
    additions: files.reduce((sum, file) => sum + file.additions, 0),
    deletions: files.reduce((sum, file) => sum + file.deletions, 0),
    diff,
    diffTruncated: patch.truncated,
  };
}

function truncateDiff(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, "utf8").subarray(0, maxBytes);
  const lastNewline = bytes.lastIndexOf(0x0a);
  const kept = bytes.subarray(0, lastNewline + 1).toString("utf8");
  const mib = (maxBytes / (1024 * 1024)).toFixed(1);
  return `${kept}${diffTruncationMarker} after ${mib} MiB; the file list and line counts above are complete.\n`;
}

const statusByLetter: Record<string, ChangeFileStatus> = {
  A: "added",
  M: "modified",
  D: "deleted",
  R: "renamed",
  C: "copied",
  T: "type_changed",
};

interface RawEntry {
  status: ChangeFileStatus;
  path: string;
  oldPath?: string;
}

interface CountEntry {
  path: string;
  additions: number;
  deletions: number;
  binary: boolean;
}

/**
 * Parses `git diff -z --raw --numstat`: first one raw record per file
 * (`:<modes> <ids> <status>\0<path>\0`, or two paths for renames and copies), then one numstat
 * record per file in the same order (`<add>\t<del>\t<path>\0`, or `<add>\t<del>\t\0<old>\0<new>\0`).
 */
function parseRawNumstat(output: string): ChangeFile[] {
  const fields = output.split("\0");
  const raw: RawEntry[] = [];
  const counts: CountEntry[] = [];
  let i = 0;
  const next = (): string => {
    const field = fields[i++];
    if (field === undefined) throw malformed(output);
    return field;
  };
  while (i < fields.length) {
    const field = next();
    if (field === "") continue;
    if (field.startsWith(":")) {
      const letter = field.split(" ")[4]?.charAt(0) ?? "";
      const status = statusByLetter[letter];
      if (!status) throw malformed(output);
      if (letter === "R" || letter === "C") {
        const oldPath = next();
        raw.push({ status, oldPath, path: next() });
      } else {
        raw.push({ status, path: next() });
      }
      continue;
    }
    const [added = "", deleted = "", path = ""] = field.split("\t");
    const binary = added === "-";
    const entry = { additions: binary ? 0 : Number(added), deletions: binary ? 0 : Number(deleted), binary };
    if (path === "") {
      next(); // old path, already known from the raw record
      counts.push({ ...entry, path: next() });
    } else {
      counts.push({ ...entry, path });
    }
  }
  if (raw.length !== counts.length) throw malformed(output);
  return raw.map((entry, index) => {
    const count = counts[index];
    if (!count || count.path !== entry.path) throw malformed(output);
    return {
      path: entry.path,
      ...(entry.oldPath === undefined ? {} : { oldPath: entry.oldPath }),
      status: entry.status,
      additions: count.additions,
      deletions: count.deletions,
      binary: count.binary,
    };
  });
}

function malformed(output: string): GitError {
  return new GitError("git_failed", `Could not read git diff output: ${JSON.stringify(output.slice(0, 200))}`);
}

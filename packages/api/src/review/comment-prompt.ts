import { z } from "zod";
import { type DiffFileLines, type DiffSide, linesOf, parseDiffLines, splitLines } from "./diff-lines";

/** A reviewer's comment on a line or a range of lines of a change. */
export const reviewCommentSchema = z
  .object({
    path: z.string().min(1),
    startLine: z.number().int().positive(),
    endLine: z.number().int().positive(),
    /** `new`: lines of the changed file (added or kept); `old`: lines the change removed. */
    side: z.enum(["old", "new"]),
    body: z.string().trim().min(1),
  })
  .refine((comment) => comment.endLine >= comment.startLine, { message: "endLine must not be before startLine" });
type ReviewComment = z.infer<typeof reviewCommentSchema>;

export interface CommentPromptInput {
  comments: readonly ReviewComment[];
  /** The change's unified diff (as computeChange gives it). */
  diff: string;
  /** Full contents of files at the change's head, by path, when known (better than the diff for wide ranges). */
  files?: Readonly<Record<string, string | null>>;
}

/** Lines quoted per comment at most; a longer range is quoted in part. */
const maxQuotedLines = 40;

/**
 * One follow-up prompt from a reviewer's comments: for each, `path:line` (or `path:start-end`)
 * with the lines it is about and the comment, in file and line order. Pure.
 */
export function buildCommentPrompt(input: CommentPromptInput): string {
  const diffFiles = parseDiffLines(input.diff);
  const sorted = [...input.comments].sort(
    (a, b) => a.path.localeCompare(b.path) || a.startLine - b.startLine || a.endLine - b.endLine || a.side.localeCompare(b.side),
  );
  const count = sorted.length;
  const intro =
    count === 1
      ? "A reviewer left a comment on your change. Address it, then finish your turn as usual."
      : `A reviewer left ${count} comments on your change. Address each of them, then finish your turn as usual.`;
  const sections = sorted.map((comment, index) => {
    const lines = lookup(diffFiles, input.files, comment.path);
    return commentSection(index + 1, comment, lines);
  });
  return [intro, ...sections].join("\n\n");
}

function commentSection(number: number, comment: ReviewComment, file: FileSource): string {
  const where = `${comment.path}:${rangeLabel(comment.startLine, comment.endLine)}`;
  const sideNote = comment.side === "old" ? " (lines the change removed)" : "";
  const shownEnd = Math.min(comment.endLine, comment.startLine + maxQuotedLines - 1);
  const texts = linesOf(file, comment.side, comment.startLine, shownEnd);
  const width = String(shownEnd).length;
  const prefix = comment.side === "old" ? "-" : " ";
  const quoted = texts.every((text) => text === undefined)
    ? undefined
    : texts.map((text, i) => `${String(comment.startLine + i).padStart(width)} ${prefix}${text ?? " …"}`);
  if (quoted && shownEnd < comment.endLine) quoted.push(`… (${comment.endLine - shownEnd} more lines)`);
  const parts = [`${number}. \`${where}\`${sideNote}`];
  parts.push(quoted ? fence(quoted.join("\n")) : "(these lines are not shown in the diff; open the file to see them)");
  parts.push(`Comment: ${indentContinuation(comment.body.trim())}`);
  return parts.join("\n");
}

export interface OutdatedCheckInput {
  /** The lines the comment was about, as they read when it was written. */
  anchor: readonly string[];
  startLine: number;
  endLine: number;
  side: DiffSide;
  /** The file's content at the newer head (`null`: the file is gone); preferred for the new side. */
  content?: string | null;
  /** The newer diff, used when no content is given (and for the old side). */
  diff?: string;
  path: string;
}

export type OutdatedCheck =
  | { outdated: false; startLine: number; endLine: number }
  | { outdated: true; reason: "changed" | "gone" | "unknown" };

/**
 * Whether the lines a comment was about changed in a newer version of the change. Lines that are
 * the same but moved (lines added above them) are not outdated: the comment's new place is
 * returned when the anchored lines occur exactly once.
 */
export function checkOutdated(input: OutdatedCheckInput): OutdatedCheck {
  const length = input.endLine - input.startLine + 1;
  if (input.anchor.length !== length) return { outdated: true, reason: "unknown" };
  if (input.side === "new" && input.content === null) return { outdated: true, reason: "gone" };

  if (input.side === "new" && typeof input.content === "string") {
    const lines = splitLines(input.content);
    return findAnchor(lines, input.anchor, input.startLine) ?? { outdated: true, reason: "changed" };
  }
  const file = input.diff === undefined ? undefined : lookup(parseDiffLines(input.diff), undefined, input.path).lines;
  if (file === undefined) return { outdated: true, reason: input.side === "old" ? "gone" : "unknown" };
  const side = file[input.side];
  const same = input.anchor.every((text, i) => side.get(input.startLine + i) === text);
  if (same) return { outdated: false, startLine: input.startLine, endLine: input.endLine };
  // Look for the block elsewhere among the lines the diff shows.
  const numbers = [...side.keys()].sort((a, b) => a - b);
  const found = numbers.filter((n) => input.anchor.every((text, i) => side.get(n + i) === text));
  if (found.length === 1 && found[0] !== undefined) return { outdated: false, startLine: found[0], endLine: found[0] + length - 1 };
  return { outdated: true, reason: "changed" };
}

function findAnchor(lines: readonly string[], anchor: readonly string[], startLine: number): OutdatedCheck | undefined {
  const matchesAt = (start: number) => anchor.every((text, i) => lines[start - 1 + i] === text);
  if (matchesAt(startLine)) return { outdated: false, startLine, endLine: startLine + anchor.length - 1 };
  const found: number[] = [];
  for (let start = 1; start + anchor.length - 1 <= lines.length; start++) {
    if (matchesAt(start)) found.push(start);
    if (found.length > 1) return undefined;
  }
  const at = found[0];
  return at === undefined ? undefined : { outdated: false, startLine: at, endLine: at + anchor.length - 1 };
}

interface FileSource {
  lines?: DiffFileLines;
  content?: string | null;
}

function lookup(diffFiles: Map<string, DiffFileLines>, contents: CommentPromptInput["files"], path: string): FileSource {
  const lines = diffFiles.get(path) ?? [...diffFiles.values()].find((file) => file.oldPath === path);
  const content = contents?.[path];
  return { ...(lines ? { lines } : {}), ...(content !== undefined ? { content } : {}) };
}

function rangeLabel(start: number, end: number): string {
  return start === end ? String(start) : `${start}-${end}`;
}

/** A fenced block whose fence is longer than any run of backticks inside. */
function fence(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((match) => match[0].length));
  const marks = "`".repeat(Math.max(3, longest + 1));
  return `${marks}\n${text}\n${marks}`;
}

function indentContinuation(text: string): string {
  return text.split("\n").join("\n   ");
}

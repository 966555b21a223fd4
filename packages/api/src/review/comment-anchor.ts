import { readFileAt } from "@wharf/git";
import { checkOutdated } from "./comment-prompt";
import { linesOf, parseDiffLines, splitLines, type DiffSide } from "./diff-lines";

/** The change a comment is written on: where its files are read from. */
export interface ChangeSource {
  repoPath: string;
  baseCommit: string;
  headCommit: string;
  diff: string;
}

export type AnchorResult = { ok: true; anchor: string[] } | { ok: false; message: string };

/**
 * The lines a new comment is about, as they read now: from the file at the change's head (new
 * side) or base (old side), else from the diff. A range past the end of the file is refused.
 */
export async function readAnchor(
  change: ChangeSource,
  comment: { path: string; oldPath?: string | undefined; side: DiffSide; startLine: number; endLine: number },
): Promise<AnchorResult> {
  const commit = comment.side === "new" ? change.headCommit : change.baseCommit;
  const content = await readFileAt(change.repoPath, commit, comment.side === "old" ? (comment.oldPath ?? comment.path) : comment.path);
  if (typeof content === "string") {
    const lines = splitLines(content);
    if (comment.endLine > lines.length) {
      const which = comment.side === "new" ? "now has" : "had before the change";
      return { ok: false, message: `${comment.path} ${which} ${lines.length} lines; line ${comment.endLine} is past its end.` };
    }
    return { ok: true, anchor: lines.slice(comment.startLine - 1, comment.endLine) };
  }
  if (content === null && comment.side === "new") {
    return { ok: false, message: `${comment.path} is deleted by the change; comment on its old lines (side "old") instead.` };
  }
  const diffFile = parseDiffLines(change.diff).get(comment.path);
  const texts = linesOf(diffFile ? { lines: diffFile } : {}, comment.side, comment.startLine, comment.endLine);
  // Binary or very large files: keep what the diff shows, or nothing (the comment is then never outdated).
  return { ok: true, anchor: texts.every((text) => text !== undefined) ? texts : [] };
}

export type CommentPlace = { outdated: false; startLine: number; endLine: number } | { outdated: true; reason: "changed" | "gone" | "unknown" };

/**
 * Where each comment's lines are in the current change, or that they changed (outdated). A
 * comment written on the current head is where it was written.
 */
export async function placeComments<C extends { path: string; side: DiffSide; startLine: number; endLine: number; anchor: string[]; headCommit: string }>(
  change: ChangeSource,
  comments: readonly C[],
): Promise<Array<C & { place: CommentPlace }>> {
  const contents = new Map<string, Promise<string | null | undefined>>();
  const contentOf = (path: string) => {
    let read = contents.get(path);
    if (!read) {
      read = readFileAt(change.repoPath, change.headCommit, path);
      contents.set(path, read);
    }
    return read;
  };
  return Promise.all(
    comments.map(async (comment) => {
      if (comment.headCommit === change.headCommit || comment.anchor.length === 0) {
        return { ...comment, place: { outdated: false as const, startLine: comment.startLine, endLine: comment.endLine } };
      }
      const content = comment.side === "new" ? await contentOf(comment.path) : undefined;
      const place = checkOutdated({
        anchor: comment.anchor,
        startLine: comment.startLine,
        endLine: comment.endLine,
        side: comment.side,
        path: comment.path,
        diff: change.diff,
        ...(content !== undefined ? { content } : {}),
      });
      return { ...comment, place };
    }),
  );
}

"use client";

import { useState, type ReactNode } from "react";
import { splitRows, type DiffFile, type DiffLine } from "~/lib/diff";

const tone = { add: "bg-emerald-500/12", del: "bg-rose-500/12", ctx: "" } as const;
const sign = { add: "+", del: "−", ctx: " " } as const;

/** A comment on lines of one file, placed on the current diff (null `current`: its lines changed since). */
export type LineComment = {
  id: string;
  startLine: number;
  endLine: number;
  side: "old" | "new";
  body: string;
  state: "open" | "sent";
  outdated: boolean;
  current: { startLine: number; endLine: number } | null;
};

/** Lines picked for a new comment: a click on a line number picks one, a shift-click extends to a range. */
export type LinePick = { side: "old" | "new"; startLine: number; endLine: number };

/** What a file's diff offers beyond the lines: comments, the viewed mark, the pick for a partial apply. */
export type ReviewHooks = {
  comments: LineComment[];
  /** Renders the composer for a new comment on `pick` (under its last line). */
  composer: (pick: LinePick, close: () => void) => ReactNode;
  /** Renders one comment (under its last line, or at the end of the file when outdated). */
  comment: (comment: LineComment) => ReactNode;
  viewed: boolean;
  onViewed: (viewed: boolean) => void;
  /** Whether the file is part of the next apply; undefined when applying is not possible. */
  selected?: boolean;
  onSelected?: (selected: boolean) => void;
};

const lineOf = (line: DiffLine, side: "old" | "new") => (side === "old" ? line.oldNo : line.newNo);
/** Added and kept lines are commented on the new side; removed ones on the old side. */
const sideOf = (line: DiffLine): "old" | "new" => (line.type === "del" ? "old" : "new");

export function DiffFileView({ file, mode, review }: { file: DiffFile; mode: "unified" | "split"; review?: ReviewHooks }) {
  const [open, setOpen] = useState(true);
  const [pick, setPick] = useState<LinePick | null>(null);
  const adds = file.hunks.reduce((n, h) => n + h.lines.filter((l) => l.type === "add").length, 0);
  const dels = file.hunks.reduce((n, h) => n + h.lines.filter((l) => l.type === "del").length, 0);
  const columns = mode === "split" ? 4 : 3;

  const choose = (line: DiffLine, side: "old" | "new", extend: boolean) => {
    const no = lineOf(line, side);
    if (!review || no === undefined) return;
    if (extend && pick && pick.side === side) setPick({ side, startLine: Math.min(pick.startLine, no), endLine: Math.max(pick.startLine, no) });
    else setPick({ side, startLine: no, endLine: no });
  };
  const gutter = (line: DiffLine | undefined, side: "old" | "new") => {
    const no = line ? lineOf(line, side) : undefined;
    const picked = pick && no !== undefined && pick.side === side && no >= pick.startLine && no <= pick.endLine;
    if (!review || !line || no === undefined) return <span>{no}</span>;
    return (
      <button
        type="button"
        className={`w-full text-right hover:text-accent ${picked ? "font-semibold text-accent" : ""}`}
        aria-label={`Comment on line ${no}${side === "old" ? " (removed)" : ""}`}
        data-testid="line-number"
        data-line={no}
        data-side={side}
        onClick={(event) => choose(line, side, event.shiftKey)}
      >
        {no}
      </button>
    );
  };
  /** What goes under a row whose lines are `under`: comments ending there, and the composer. */
  const after = (under: Array<{ side: "old" | "new"; no: number | undefined }>) => {
    if (!review) return null;
    const ends = (side: "old" | "new", no: number | undefined) => under.some((u) => u.side === side && u.no === no);
    const here = review.comments.filter((c) => !c.outdated && c.current && ends(c.side, c.current.endLine));
    const composing = pick && ends(pick.side, pick.endLine);
    if (here.length === 0 && !composing) return null;
    return (
      <tr>
        <td colSpan={columns} className="border-y border-line bg-bg px-3 py-2 font-sans">
          <div className="grid gap-2">
            {here.map((c) => (
              <div key={c.id}>{review.comment(c)}</div>
            ))}
            {composing && pick && review.composer(pick, () => setPick(null))}
          </div>
        </td>
      </tr>
    );
  };
  const outdated = review?.comments.filter((c) => c.outdated || !c.current) ?? [];

  return (
    <section className="overflow-hidden rounded-lg border border-line bg-panel" data-testid="diff-file" data-path={file.path} data-viewed={review?.viewed ? "true" : "false"}>
      <div className="flex w-full items-center gap-2 border-b border-line bg-raised px-3 py-2">
        {review?.onSelected && (
          <input type="checkbox" className="accent-accent" aria-label={`Apply ${file.path}`} data-testid="apply-file" checked={review.selected ?? false} onChange={(e) => review.onSelected?.(e.target.checked)} />
        )}
        <button type="button" onClick={() => setOpen(!open)} className="flex min-w-0 flex-1 items-center gap-2 text-left" aria-expanded={open}>
          <span className="text-xs text-muted" aria-hidden>
            {open ? "▾" : "▸"}
          </span>
          <span className="min-w-0 flex-1 truncate font-mono text-sm">
            {file.oldPath ? `${file.oldPath} → ` : ""}
            {file.path}
          </span>
        </button>
        {review && review.comments.length > 0 && <span className="rounded-full bg-accent/12 px-1.5 text-xs text-accent">
            {review.comments.length} comment{review.comments.length === 1 ? "" : "s"}
          </span>}
        <span className="font-mono text-xs text-emerald-600 dark:text-emerald-400">+{adds}</span>
        <span className="font-mono text-xs text-rose-600 dark:text-rose-400">−{dels}</span>
        {review && (
          <label className="ml-2 flex items-center gap-1 text-xs text-muted" title="Mark viewed (v)">
            <input type="checkbox" className="accent-accent" data-testid="viewed" checked={review.viewed} onChange={(e) => review.onViewed(e.target.checked)} />
            Viewed
          </label>
        )}
      </div>
      {open && (
        <div className="overflow-x-auto">
          {file.binary && <p className="p-3 text-sm text-muted">Binary file; no text diff.</p>}
          {file.hunks.map((hunk, h) => (
            <table key={h} className={`w-full border-collapse font-mono text-xs leading-5 ${mode === "split" ? "table-fixed" : ""}`}>
              {mode === "split" && (
                <colgroup>
                  <col className="w-10" />
                  <col />
                  <col className="w-10" />
                  <col />
                </colgroup>
              )}
              <tbody>
                <tr>
                  <td colSpan={columns} className="bg-accent/8 px-3 py-0.5 text-muted">
                    {hunk.header}
                  </td>
                </tr>
                {mode === "unified"
                  ? hunk.lines.map((line, i) => {
                      const side = sideOf(line);
                      return (
                        <UnifiedRow key={i} line={line} oldGutter={gutter(line.type === "del" ? line : undefined, "old")} newGutter={gutter(line.type === "del" ? undefined : line, "new")} after={after([{ side, no: lineOf(line, side) }])} />
                      );
                    })
                  : splitRows(hunk.lines).map((row, i) => (
                      <SplitRow
                        key={i}
                        left={row.left}
                        right={row.right}
                        leftGutter={gutter(row.left?.type === "del" ? row.left : undefined, "old")}
                        rightGutter={gutter(row.right, "new")}
                        after={after([
                          { side: "old", no: row.left?.type === "del" ? row.left.oldNo : undefined },
                          { side: "new", no: row.right?.newNo },
                        ])}
                      />
                    ))}
              </tbody>
            </table>
          ))}
          {review && outdated.length > 0 && (
            <div className="grid gap-2 border-t border-line p-3">
              {outdated.map((c) => (
                <div key={c.id}>{review.comment(c)}</div>
              ))}
            </div>
          )}
        </div>
      )}
    </section>
  );
}

function Text({ line }: { line: DiffLine }) {
  return (
    <td className={`pr-3 align-top whitespace-pre-wrap break-all ${tone[line.type]}`}>
      <span className="text-muted select-none">{sign[line.type]} </span>
      {line.text}
    </td>
  );
}

function UnifiedRow({ line, oldGutter, newGutter, after }: { line: DiffLine; oldGutter: ReactNode; newGutter: ReactNode; after: ReactNode }) {
  return (
    <>
      <tr>
        <td className={`w-10 pr-2 text-right align-top text-muted select-none ${tone[line.type]}`}>{line.type === "del" ? oldGutter : line.oldNo}</td>
        <td className={`w-10 pr-2 text-right align-top text-muted select-none ${tone[line.type]}`}>{line.type === "del" ? null : newGutter}</td>
        <Text line={line} />
      </tr>
      {after}
    </>
  );
}

function SplitRow({ left, right, leftGutter, rightGutter, after }: { left?: DiffLine; right?: DiffLine; leftGutter: ReactNode; rightGutter: ReactNode; after: ReactNode }) {
  const cell = (line: DiffLine | undefined, gutter: ReactNode, side: "old" | "new") =>
    line ? (
      <>
        <td className={`w-10 pr-2 text-right align-top text-muted select-none ${tone[line.type]}`}>{side === "old" && line.type !== "del" ? line.oldNo : gutter}</td>
        <Text line={line} />
      </>
    ) : (
      <td colSpan={2} className="bg-raised/60" />
    );
  return (
    <>
      <tr>
        {cell(left, leftGutter, "old")}
        {cell(right, rightGutter, "new")}
      </tr>
      {after}
    </>
  );
}

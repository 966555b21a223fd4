"use client";

import { useState } from "react";
import { splitRows, type DiffFile, type DiffLine } from "~/lib/diff";

const tone = { add: "bg-emerald-500/12", del: "bg-rose-500/12", ctx: "" } as const;
const sign = { add: "+", del: "−", ctx: " " } as const;

function Cell({ line, side }: { line?: DiffLine; side: "old" | "new" }) {
  if (!line) return <td colSpan={2} className="bg-raised/60" />;
  const no = side === "old" ? line.oldNo : line.newNo;
  return (
    <>
      <td className={`w-10 pr-2 text-right align-top text-muted select-none ${tone[line.type]}`}>{no}</td>
      <td className={`pr-3 align-top whitespace-pre-wrap break-all ${tone[line.type]}`}>
        <span className="text-muted select-none">{sign[line.type]} </span>
        {line.text}
      </td>
    </>
  );
}

export function DiffFileView({ file, mode }: { file: DiffFile; mode: "unified" | "split" }) {
  const [open, setOpen] = useState(true);
  const adds = file.hunks.reduce((n, h) => n + h.lines.filter((l) => l.type === "add").length, 0);
  const dels = file.hunks.reduce((n, h) => n + h.lines.filter((l) => l.type === "del").length, 0);
  return (
    <section className="overflow-hidden rounded-lg border border-line bg-panel" data-testid="diff-file" data-path={file.path}>
      <button type="button" onClick={() => setOpen(!open)} className="flex w-full items-center gap-2 border-b border-line bg-raised px-3 py-2 text-left" aria-expanded={open}>
        <span className="text-xs text-muted" aria-hidden>{open ? "▾" : "▸"}</span>
        <span className="min-w-0 flex-1 truncate font-mono text-sm">
          {file.oldPath ? `${file.oldPath} → ` : ""}
          {file.path}
        </span>
        <span className="font-mono text-xs text-emerald-600 dark:text-emerald-400">+{adds}</span>
        <span className="font-mono text-xs text-rose-600 dark:text-rose-400">−{dels}</span>
      </button>
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
                  <td colSpan={mode === "split" ? 4 : 3} className="bg-accent/8 px-3 py-0.5 text-muted">
                    {hunk.header}
                  </td>
                </tr>
                {mode === "unified"
                  ? hunk.lines.map((line, i) => (
                      <tr key={i}>
                        <td className={`w-10 pr-2 text-right text-muted select-none ${tone[line.type]}`}>{line.oldNo}</td>
                        <Cell line={line} side="new" />
                      </tr>
                    ))
                  : splitRows(hunk.lines).map((row, i) => (
                      <tr key={i}>
                        <Cell line={row.left} side="old" />
                        <Cell line={row.right} side="new" />
                      </tr>
                    ))}
              </tbody>
            </table>
          ))}
        </div>
      )}
    </section>
  );
}

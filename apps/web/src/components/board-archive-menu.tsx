"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { errorMessage, formatCount } from "~/lib/format";
import { invalidateBoard } from "~/lib/live-board";
import { useTRPC } from "~/trpc/react";
import { Button, selectClass } from "./ui";

const ages = [
  { days: 1, label: "1 day" },
  { days: 7, label: "1 week" },
  { days: 30, label: "30 days" },
  { days: 90, label: "90 days" },
];

/** "Archive finished tasks older than …": a small panel under a button; archiving is undone per task from the archived view. */
export function BoardArchiveMenu({ projectId, disabled }: { projectId?: string; disabled?: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [days, setDays] = useState(7);
  const panel = useRef<HTMLDivElement>(null);
  const archive = useMutation(trpc.task.archiveFinished.mutationOptions({ onSettled: () => invalidateBoard(queryClient, trpc) }));

  useEffect(() => {
    if (!open) return;
    const onDown = (event: MouseEvent) => {
      if (panel.current && !panel.current.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener("mousedown", onDown);
    return () => document.removeEventListener("mousedown", onDown);
  }, [open]);

  return (
    <div className="relative" ref={panel}>
      <Button aria-expanded={open} aria-controls="archive-older" disabled={disabled} onClick={() => setOpen((o) => !o)}>
        Archive…
      </Button>
      {open && (
        <div
          id="archive-older"
          role="region"
          aria-label="Archive finished tasks"
          className="absolute right-0 z-20 mt-2 w-72 rounded-lg border border-line bg-panel p-3 text-sm shadow-lg"
          onKeyDown={(e) => {
            if (e.key === "Escape") setOpen(false);
          }}
        >
          <label className="block text-xs font-medium text-muted" htmlFor="archive-age">
            Archive finished tasks{projectId ? " of this project" : ""} older than
          </label>
          <div className="mt-1.5 flex items-center gap-2">
            <select id="archive-age" className={`${selectClass} flex-1`} value={days} onChange={(e) => setDays(Number(e.target.value))}>
              {ages.map((a) => (
                <option key={a.days} value={a.days}>
                  {a.label}
                </option>
              ))}
            </select>
            <Button
              tone="primary"
              disabled={archive.isPending}
              onClick={() => archive.mutate({ before: new Date(Date.now() - days * 86_400_000), projectId })}
            >
              Archive
            </Button>
          </div>
          <p className="mt-2 text-xs text-muted">Done, failed and cancelled tasks leave the board and search. Nothing is deleted: worktrees and branches stay, and the archived view brings any task back.</p>
          {archive.data && (
            <p className="mt-2 text-xs font-medium" role="status" data-testid="archive-result">
              {archive.data.archived === 0 ? "Nothing that old to archive." : `Archived ${formatCount(archive.data.archived)} task${archive.data.archived === 1 ? "" : "s"}.`}
            </p>
          )}
          {archive.error && <p className="mt-2 text-xs text-rose-600" role="alert">{errorMessage(archive.error)}</p>}
        </div>
      )}
    </div>
  );
}

"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { TaskState } from "@wharf/api";
import { useMemo, useState } from "react";
import { parseUnifiedDiff } from "~/lib/diff";
import { errorMessage } from "~/lib/format";
import { useTRPC } from "~/trpc/react";
import { DiffFileView } from "./diff-view";
import { Button, Notice } from "./ui";
import { invalidateBoard } from "~/lib/live-board";

export function ReviewPanel({ taskId, state }: { taskId: string; state: TaskState }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [mode, setMode] = useState<"unified" | "split">("unified");
  const change = useQuery(trpc.change.get.queryOptions({ taskId }, { retry: false }));
  const files = useMemo(() => (change.data ? parseUnifiedDiff(change.data.diff) : []), [change.data]);
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries(trpc.change.get.queryFilter({ taskId })),
      queryClient.invalidateQueries(trpc.task.get.queryFilter({ id: taskId })),
      invalidateBoard(queryClient, trpc),
    ]);
  const apply = useMutation(trpc.change.apply.mutationOptions({ onSettled: refresh }));
  const discard = useMutation(trpc.change.discard.mutationOptions({ onSettled: refresh }));

  if (change.isPending) return <div className="h-40 animate-pulse rounded-lg bg-panel" />;
  if (change.error) {
    return (
      <Notice title={state === "completed" ? "The agent changed no files" : "No change to review yet"}>
        {state === "completed" ? "This task finished without touching the repository." : "The change appears here when the agent finishes its turn."}
      </Notice>
    );
  }
  const c = change.data;
  const actionError = apply.error ?? discard.error;
  return (
    <div className="grid gap-3" data-testid="review">
      <div className="flex flex-wrap items-center gap-3 rounded-lg border border-line bg-panel p-3">
        <div className="text-sm">
          <span className="font-medium">{c.files.length} file{c.files.length === 1 ? "" : "s"} changed</span>{" "}
          <span className="font-mono text-emerald-600 dark:text-emerald-400">+{c.additions}</span>{" "}
          <span className="font-mono text-rose-600 dark:text-rose-400">−{c.deletions}</span>
          <span className="ml-2 font-mono text-xs text-muted">{c.branch}</span>
        </div>
        <div className="ml-auto flex items-center gap-1 rounded-md bg-raised p-0.5 text-xs" role="group" aria-label="Diff layout">
          {(["unified", "split"] as const).map((m) => (
            <button key={m} type="button" onClick={() => setMode(m)} aria-pressed={mode === m} className={`rounded px-2 py-1 capitalize ${mode === m ? "bg-panel font-medium shadow-sm" : "text-muted"}`}>
              {m}
            </button>
          ))}
        </div>
        {state === "review" && c.state !== "applied" && (
          <div className="flex gap-2">
            <Button tone="ghost" disabled={discard.isPending || apply.isPending} onClick={() => discard.mutate({ taskId })}>
              {discard.isPending ? "Discarding…" : "Discard"}
            </Button>
            <Button tone="primary" disabled={apply.isPending || discard.isPending} onClick={() => apply.mutate({ taskId })}>
              {apply.isPending ? "Applying…" : "Apply"}
            </Button>
          </div>
        )}
        {c.state === "applied" && <span className="text-sm font-medium text-emerald-600 dark:text-emerald-400">Applied{c.appliedCommit ? ` as ${c.appliedCommit.slice(0, 10)}` : ""}</span>}
        {c.state === "discarded" && <span className="text-sm text-muted">Discarded</span>}
      </div>
      {actionError && (
        <Notice tone="error" title={apply.error ? "The change could not be applied" : "The change could not be discarded"}>
          <span data-testid="apply-error">{errorMessage(actionError)}</span>
        </Notice>
      )}
      {!actionError && c.state === "conflict" && c.message && (
        <Notice tone="error" title="Conflict with the base branch">
          {c.message}
        </Notice>
      )}
      {files.length === 0 && <Notice title="The diff is empty" />}
      {files.map((file) => (
        <DiffFileView key={file.path} file={file} mode={mode} />
      ))}
    </div>
  );
}

"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { TaskState } from "@wharf/api";
import { useEffect, useMemo, useRef, useState } from "react";
import { typingIn } from "~/lib/board-keys";
import { parseUnifiedDiff } from "~/lib/diff";
import { errorMessage } from "~/lib/format";
import { invalidateBoard } from "~/lib/live-board";
import type { TimelineEvent } from "~/lib/timeline";
import { useTRPC } from "~/trpc/react";
import { DiffFileView, type LineComment, type LinePick } from "./diff-view";
import { Button, Notice, inputClass } from "./ui";

type OnEvents = (listener: (batch: readonly TimelineEvent[]) => void) => () => void;

/**
 * The review of a task's change: the diff (unified or split) with line comments that go back to
 * the agent as one follow-up, a viewed mark per file (`v` marks the file under the pointer or
 * focus), a base branch that moved (and a rebase), and applying all files or some of them with an
 * editable commit message. Comments and marks follow the task's `review` events, in every tab.
 */
export function ReviewPanel({ taskId, state, onEvents }: { taskId: string; state: TaskState; onEvents?: OnEvents }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [mode, setMode] = useState<"unified" | "split">("unified");
  const reviewing = state === "review";
  const change = useQuery(trpc.change.get.queryOptions({ taskId }, { retry: false }));
  const comments = useQuery(trpc.comment.list.queryOptions({ taskId }, { enabled: change.isSuccess }));
  // Read in every state (shown only in review), so it is live when a turn brings the task back.
  const viewed = useQuery(trpc.review.viewed.queryOptions({ taskId }, { enabled: change.isSuccess }));
  const files = useMemo(() => (change.data ? parseUnifiedDiff(change.data.diff) : []), [change.data]);
  // Files left out of the next apply (all are in by default).
  const [excluded, setExcluded] = useState<Set<string>>(() => new Set());
  const [message, setMessage] = useState("");
  const [editingMessage, setEditingMessage] = useState(false);
  const current = useRef<string | null>(null);
  // Viewed marks shown before the server has them (see setViewed below).
  const [marking, setMarking] = useState<ReadonlyMap<string, { value: boolean; settledAt?: number }>>(() => new Map());

  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries(trpc.change.get.queryFilter({ taskId })),
      queryClient.invalidateQueries(trpc.task.get.queryFilter({ id: taskId })),
      queryClient.invalidateQueries(trpc.comment.list.queryFilter({ taskId })),
      queryClient.invalidateQueries(trpc.review.viewed.queryFilter({ taskId })),
      invalidateBoard(queryClient, trpc),
    ]);
  const refreshComments = () => queryClient.invalidateQueries(trpc.comment.list.queryFilter({ taskId }));
  const refreshViewed = () => queryClient.invalidateQueries(trpc.review.viewed.queryFilter({ taskId }));

  // Another tab (or this one) changed comments or marks, or a turn changed the change: read again.
  useEffect(() => {
    if (!onEvents) return;
    return onEvents((batch) => {
      if (batch.some((e) => e.event.type === "review" && e.event.subject === "comments")) void refreshComments();
      if (batch.some((e) => e.event.type === "review" && e.event.subject === "viewed")) void refreshViewed();
      if (batch.some((e) => e.event.type === "change_ready" || (e.event.type === "status" && e.event.state !== "running"))) {
        // A new turn's change supersedes marks still showing from before it: the server says.
        setMarking(new Map());
        void refresh();
      }
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the query keys depend on taskId only
  }, [onEvents, taskId]);

  const apply = useMutation(trpc.change.apply.mutationOptions({ onSettled: refresh }));
  const discard = useMutation(trpc.change.discard.mutationOptions({ onSettled: refresh }));
  const rebase = useMutation(trpc.change.rebase.mutationOptions({ onSettled: refresh }));
  // A mark shows at once; any answer of the server read after the change was stored replaces it.
  const setViewed = useMutation(
    trpc.review.setViewed.mutationOptions({
      onSettled: (_data, _error, { path, viewed: value }) => {
        setMarking((prev) => new Map(prev).set(path, { value, settledAt: Date.now() }));
        void refreshViewed();
      },
    }),
  );
  const addComment = useMutation(trpc.comment.add.mutationOptions({ onSettled: refreshComments }));
  const deleteComment = useMutation(trpc.comment.delete.mutationOptions({ onSettled: refreshComments }));
  const updateComment = useMutation(trpc.comment.update.mutationOptions({ onSettled: refreshComments }));
  const send = useMutation(trpc.comment.send.mutationOptions({ onSettled: refresh }));
  const push = useMutation(trpc.change.push.mutationOptions({ onSettled: refresh }));
  const pullRequest = useMutation(trpc.change.openPullRequest.mutationOptions({ onSettled: refresh }));
  const task = useQuery(trpc.task.get.queryOptions({ id: taskId }, { retry: false }));

  const isViewed = (path: string) => {
    const mark = marking.get(path);
    if (mark && (mark.settledAt === undefined || viewed.dataUpdatedAt <= mark.settledAt)) return mark.value;
    return viewed.data?.files.find((f) => f.path === path)?.viewed ?? false;
  };
  const toggleViewed = (path: string, value = !isViewed(path)) => {
    setMarking((prev) => new Map(prev).set(path, { value }));
    setViewed.mutate({ taskId, path, viewed: value });
  };

  // A new head (a later turn, a rebase, a partial apply): marks are read again, whatever the events.
  const head = change.data?.headCommit;
  useEffect(() => {
    if (!head) return;
    setMarking(new Map());
    void queryClient.invalidateQueries(trpc.review.viewed.queryFilter({ taskId }));
  }, [head, queryClient, trpc, taskId]);

  // `v`: the viewed mark of the file under the pointer or focus.
  useEffect(() => {
    if (!reviewing) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== "v" || event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
      // Not while typing; a focused checkbox (a file's own marks) is not typing.
      const target = event.target;
      const checkbox = target instanceof HTMLInputElement && target.type === "checkbox";
      if (!checkbox && typingIn(target)) return;
      if (!current.current) return;
      event.preventDefault();
      toggleViewed(current.current);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  });

  if (change.isPending) return <div className="h-40 animate-pulse rounded-lg bg-panel" />;
  if (change.error) {
    return (
      <Notice title={state === "completed" ? "The agent changed no files" : "No change to review yet"}>
        {state === "completed" ? "This task finished without touching the repository." : "The change appears here when the agent finishes its turn."}
      </Notice>
    );
  }
  const c = change.data;
  const open = c.state !== "applied" && c.state !== "discarded";
  const canAct = reviewing && open;
  const chosen = c.files.filter((f) => !excluded.has(f.path)).map((f) => f.path);
  const partial = chosen.length < c.files.length;
  const openComments = (comments.data ?? []).filter((x) => x.state === "open");
  const actionError = apply.error ?? discard.error ?? rebase.error ?? send.error ?? push.error ?? pullRequest.error;
  const prUrl = pullRequest.data?.url ?? task.data?.prUrl ?? null;
  const pushedTo = push.data ? `${push.data.remote}/${push.data.branch}` : task.data?.pushedBranch;
  const base = c.base;

  const doApply = () =>
    apply.mutate(
      { taskId, ...(partial ? { paths: chosen } : {}), ...(message.trim() ? { message: message.trim() } : {}) },
      {
        onSuccess: () => {
          setExcluded(new Set());
          setMessage("");
          setEditingMessage(false);
        },
      },
    );

  return (
    <div className="grid gap-3" data-testid="review">
      <div className="flex flex-wrap items-center gap-3 rounded-lg border border-line bg-panel p-3">
        <div className="text-sm">
          <span className="font-medium">
            {c.files.length} file{c.files.length === 1 ? "" : "s"} changed
          </span>{" "}
          <span className="font-mono text-emerald-600 dark:text-emerald-400">+{c.additions}</span> <span className="font-mono text-rose-600 dark:text-rose-400">−{c.deletions}</span>
          <span className="ml-2 font-mono text-xs text-muted">{c.branch}</span>
        </div>
        {reviewing && viewed.data && (
          <span className="text-xs text-muted" data-testid="viewed-count" title="Mark the file under the pointer with v">
            {viewed.data.files.filter((f) => isViewed(f.path)).length} / {viewed.data.total} viewed
          </span>
        )}
        <div className="ml-auto flex items-center gap-1 rounded-md bg-raised p-0.5 text-xs" role="group" aria-label="Diff layout">
          {(["unified", "split"] as const).map((m) => (
            <button key={m} type="button" onClick={() => setMode(m)} aria-pressed={mode === m} className={`rounded px-2 py-1 capitalize ${mode === m ? "bg-panel font-medium shadow-sm" : "text-muted"}`}>
              {m}
            </button>
          ))}
        </div>
        {canAct && (
          <div className="flex flex-wrap gap-2">
            {openComments.length > 0 && (
              <Button tone="ghost" disabled={send.isPending} onClick={() => send.mutate({ taskId })} data-testid="send-comments">
                {send.isPending ? "Sending…" : `Send ${openComments.length} comment${openComments.length === 1 ? "" : "s"} to the agent`}
              </Button>
            )}
            <Button tone="ghost" disabled={discard.isPending || apply.isPending} onClick={() => discard.mutate({ taskId })}>
              {discard.isPending ? "Discarding…" : partial ? "Discard all" : "Discard"}
            </Button>
            <Button tone="ghost" disabled={push.isPending || pullRequest.isPending} onClick={() => push.mutate({ taskId })} title="Push the task branch to the project's remote">
              {push.isPending ? "Pushing…" : "Push"}
            </Button>
            <Button tone="ghost" disabled={push.isPending || pullRequest.isPending} onClick={() => pullRequest.mutate({ taskId, draft: false })} title="Push and open a pull (merge) request on the project's forge">
              {pullRequest.isPending ? "Opening…" : prUrl ? "Update pull request" : "Open pull request"}
            </Button>
            <Button tone="ghost" onClick={() => setEditingMessage(!editingMessage)} aria-expanded={editingMessage}>
              Commit message
            </Button>
            <Button tone="primary" disabled={apply.isPending || discard.isPending || chosen.length === 0} onClick={doApply} data-testid="apply">
              {apply.isPending ? "Applying…" : partial ? `Apply ${chosen.length} of ${c.files.length} files` : "Apply"}
            </Button>
          </div>
        )}
        {(prUrl || pushedTo) && (
          <span className="basis-full text-xs text-muted" data-testid="published">
            {pushedTo && <>Pushed to <span className="font-mono">{pushedTo}</span></>}
            {prUrl && (
              <>
                {pushedTo ? " · " : ""}
                <a className="font-medium text-accent hover:underline" href={prUrl} target="_blank" rel="noreferrer">
                  Pull request{pullRequest.data?.number ? ` #${pullRequest.data.number}` : task.data?.prNumber ? ` #${task.data.prNumber}` : ""}
                </a>
              </>
            )}
          </span>
        )}
        {c.state === "applied" && <span className="text-sm font-medium text-emerald-600 dark:text-emerald-400">Applied{c.appliedCommit ? ` as ${c.appliedCommit.slice(0, 10)}` : ""}</span>}
        {c.state === "discarded" && <span className="text-sm text-muted">Discarded</span>}
      </div>
      {canAct && editingMessage && (
        <label className="grid gap-1 text-sm">
          <span className="font-medium">Commit message</span>
          <textarea
            className={`${inputClass} min-h-24 font-mono text-xs`}
            aria-label="Commit message"
            value={message}
            onChange={(e) => setMessage(e.target.value)}
            placeholder="Leave empty for the default: the task's first prompt line, the agent's summary, the files applied and the task it came from."
          />
        </label>
      )}
      {canAct && base && base.commitsBehind !== null && base.commitsBehind > 0 && (
        <Notice
          tone={base.clean === false ? "error" : "info"}
          title={`${base.baseBranch} moved ${base.commitsBehind} commit${base.commitsBehind === 1 ? "" : "s"} since this task started`}
          action={
            <div className="flex gap-2">
              <Button tone="ghost" disabled={rebase.isPending} onClick={() => rebase.mutate({ taskId })} data-testid="rebase">
                {rebase.isPending ? "Rebasing…" : "Rebase"}
              </Button>
              {base.clean === false && (
                <Button tone="ghost" disabled={rebase.isPending} onClick={() => rebase.mutate({ taskId, handToAgent: true })}>
                  Hand the conflict to the agent
                </Button>
              )}
            </div>
          }
        >
          {base.clean === false ? `The change no longer applies cleanly: ${base.conflicts.join(", ")}.` : "The change still applies cleanly; rebase to review it on the current base."}
        </Notice>
      )}
      {rebase.data && rebase.data.outcome !== "rebased" && rebase.data.message && <Notice title="Rebase">{rebase.data.message}</Notice>}
      {actionError && (
        <Notice tone="error" title={
            apply.error
              ? "The change could not be applied"
              : discard.error
                ? "The change could not be discarded"
                : rebase.error
                  ? "The rebase failed"
                  : push.error
                    ? "The branch could not be pushed"
                    : pullRequest.error
                      ? "The pull request could not be opened"
                      : "The comments could not be sent"
          }>
          <span data-testid="apply-error">{errorMessage(actionError)}</span>
        </Notice>
      )}
      {apply.data && apply.data.remaining.length > 0 && (
        <Notice title={`Applied as ${apply.data.commit.slice(0, 10)}`}>
          {apply.data.remaining.length} file{apply.data.remaining.length === 1 ? " stays" : "s stay"} on the task branch to review: {apply.data.remaining.join(", ")}.
        </Notice>
      )}
      {!actionError && c.state === "conflict" && c.message && (
        <Notice tone="error" title="Conflict with the base branch">
          {c.message}
        </Notice>
      )}
      {files.length === 0 && <Notice title="The diff is empty" />}
      {files.map((file) => {
        const mine: LineComment[] = (comments.data ?? []).filter((x) => x.path === file.path);
        return (
          <div key={file.path} onMouseEnter={() => (current.current = file.path)} onFocus={() => (current.current = file.path)}>
            <DiffFileView
              file={file}
              mode={mode}
              review={
                reviewing || mine.length > 0
                  ? {
                      comments: mine,
                      viewed: isViewed(file.path),
                      onViewed: (value) => toggleViewed(file.path, value),
                      ...(canAct
                        ? {
                            selected: !excluded.has(file.path),
                            onSelected: (value: boolean) =>
                              setExcluded((prev) => {
                                const next = new Set(prev);
                                if (value) next.delete(file.path);
                                else next.add(file.path);
                                return next;
                              }),
                          }
                        : {}),
                      composer: (pick, close) => <CommentComposer pick={pick} close={close} pending={addComment.isPending} error={addComment.error ? errorMessage(addComment.error) : null} save={(body) => addComment.mutate({ taskId, path: file.path, ...pick, body }, { onSuccess: close })} />,
                      comment: (x) => (
                        <CommentCard
                          comment={x}
                          canChange={canAct && x.state === "open"}
                          onDelete={() => deleteComment.mutate({ id: x.id })}
                          onSave={(body, done) => updateComment.mutate({ id: x.id, body }, { onSuccess: done })}
                        />
                      ),
                    }
                  : undefined
              }
            />
          </div>
        );
      })}
    </div>
  );
}

function CommentComposer({ pick, close, save, pending, error }: { pick: LinePick; close: () => void; save: (body: string) => void; pending: boolean; error: string | null }) {
  const [body, setBody] = useState("");
  const lines = pick.startLine === pick.endLine ? `line ${pick.startLine}` : `lines ${pick.startLine}–${pick.endLine}`;
  return (
    <form
      className="grid gap-2"
      data-testid="comment-composer"
      onSubmit={(event) => {
        event.preventDefault();
        if (body.trim()) save(body);
      }}
    >
      <textarea
        autoFocus
        aria-label={`Comment on ${lines}`}
        className={`${inputClass} min-h-16 text-sm`}
        value={body}
        onChange={(e) => setBody(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Escape") close();
          if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            if (body.trim()) save(body);
          }
        }}
        placeholder={`What should change on ${lines}${pick.side === "old" ? " (removed)" : ""}? Ctrl+Enter to save`}
      />
      {error && <p className="text-xs text-rose-600">{error}</p>}
      <div className="flex gap-2">
        <Button tone="primary" type="submit" disabled={pending || !body.trim()}>
          {pending ? "Saving…" : "Comment"}
        </Button>
        <Button tone="ghost" type="button" onClick={close}>
          Cancel
        </Button>
      </div>
    </form>
  );
}

function CommentCard({ comment, canChange, onDelete, onSave }: { comment: LineComment; canChange: boolean; onDelete: () => void; onSave: (body: string, done: () => void) => void }) {
  const lines = comment.startLine === comment.endLine ? `line ${comment.startLine}` : `lines ${comment.startLine}–${comment.endLine}`;
  const [draft, setDraft] = useState<string | null>(null);
  const save = () => {
    if (draft?.trim()) onSave(draft, () => setDraft(null));
  };
  return (
    <div className="rounded-md border border-line bg-panel px-3 py-2 text-sm" data-testid="comment" data-state={comment.state}>
      <div className="mb-1 flex items-center gap-2 text-xs text-muted">
        <span>{lines}</span>
        {comment.state === "sent" && <span className="rounded bg-accent/12 px-1.5 text-accent">sent to the agent</span>}
        {comment.outdated && <span className="rounded bg-amber-500/15 px-1.5 text-amber-700 dark:text-amber-300">outdated</span>}
        {canChange && draft === null && (
          <span className="ml-auto flex gap-3">
            <button type="button" className="hover:text-fg" onClick={() => setDraft(comment.body)} aria-label="Edit comment">
              Edit
            </button>
            <button type="button" className="hover:text-rose-600" onClick={onDelete} aria-label="Delete comment">
              Delete
            </button>
          </span>
        )}
      </div>
      {draft === null ? (
        <p className="whitespace-pre-wrap">{comment.body}</p>
      ) : (
        <div className="grid gap-2">
          <textarea
            autoFocus
            aria-label={`Edit the comment on ${lines}`}
            className={`${inputClass} min-h-16 text-sm`}
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Escape") setDraft(null);
              if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
                e.preventDefault();
                save();
              }
            }}
          />
          <div className="flex gap-2">
            <Button tone="primary" type="button" disabled={!draft.trim()} onClick={save}>
              Save
            </Button>
            <Button tone="ghost" type="button" onClick={() => setDraft(null)}>
              Cancel
            </Button>
          </div>
        </div>
      )}
    </div>
  );
}

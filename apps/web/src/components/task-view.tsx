"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { acceptsFollowUp, canBeCancelled, isFinishedTaskState } from "@wharf/api/task-states";
import dynamic from "next/dynamic";
import Link from "next/link";
import { useState, type KeyboardEvent } from "react";
import { errorMessage, formatTokens, taskTitle } from "~/lib/format";
import type { ToolItem } from "~/lib/timeline";
import { invalidateBoard, useLiveBoard } from "~/lib/live-board";
import { useAgentCommands } from "~/lib/use-agent-commands";
import { useTaskTimeline, type InitialEvents } from "~/lib/use-task-timeline";
import { usePreloadWhenIdle } from "~/lib/use-preload";
import { useTRPC } from "~/trpc/react";
import type { RouterOutputs } from "~/trpc/types";
import { DateTime } from "./date-time";
import { LazyNewTaskDialog as NewTaskDialog } from "./new-task-dialog-lazy";
import { PromptInput } from "./prompt-input";
import { TimelineView } from "./timeline-view";
import { SandboxBadge } from "./sandbox-badge";
import { ServicesPanel } from "./services-panel";
import { cancellableSubtasks, TaskTree } from "./task-tree";
import { Button, Notice, StateBadge, inputClass } from "./ui";

/** xterm.js needs the DOM: loaded in the browser only, and only for agents in a terminal. */
const TaskTerminal = dynamic(() => import("./task-terminal").then((m) => m.TaskTerminal), {
  ssr: false,
  loading: () => <div className="min-h-0 flex-1 animate-pulse rounded-lg border border-line bg-panel" />,
});

/**
 * Parts the page does not show when it opens load when they are first needed, so opening a task
 * does not download, run and hydrate them: the review (its own tab), the subtask dialog, and the
 * permission modal (a task waiting for an answer loads it at once).
 */
const loadReviewPanel = () => import("./review-panel");
const loadPermissionModal = () => import("./permission-modal");
const ReviewPanel = dynamic(() => loadReviewPanel().then((m) => m.ReviewPanel), {
  ssr: false,
  loading: () => <div className="h-40 animate-pulse rounded-lg border border-line bg-panel" />,
});
const PermissionModal = dynamic(() => loadPermissionModal().then((m) => m.PermissionModal), { ssr: false });

/** The terminal a PTY agent's output is stored under (the runner's `ptyTerminalId`). */
const PTY_TERMINAL_ID = "pty";

type Tab = "terminal" | "timeline" | "review";

/** What the server rendered the page with: the task and the tail of its events. */
export type InitialTask = InitialEvents & { task: RouterOutputs["task"]["get"] };

export function TaskView({ taskId, initial }: { taskId: string; initial?: InitialTask | null }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const task = useQuery(trpc.task.get.queryOptions({ id: taskId }, { retry: false, initialData: initial?.task }));
  // The event stream starts with the task row, not after it: on a long history the tail, not
  // the row, is what the page waits for. Only a task that could never be loaded stops it (a
  // failed refetch while the database is away keeps the stream, which resumes by itself).
  const live = useTaskTimeline(taskId, task.data !== undefined || !task.isError, initial);
  const { databaseDown } = useLiveBoard();
  const { timeline } = live;
  // null: the default for the agent (its terminal for PTY agents, else the timeline).
  const [chosenTab, setTab] = useState<Tab | null>(null);
  const [dismissed, setDismissed] = useState<Set<string>>(() => new Set());
  const [followUp, setFollowUp] = useState("");
  const commands = useAgentCommands(task.data?.agent.id, timeline.commands);
  const refresh = () => queryClient.invalidateQueries(trpc.task.get.queryFilter({ id: taskId }));
  const cancel = useMutation(trpc.task.cancel.mutationOptions({ onSettled: refresh }));
  const start = useMutation(trpc.task.start.mutationOptions({ onSettled: refresh }));
  // Cancelling a task with live subtasks asks first whether they go too.
  const [confirmCancel, setConfirmCancel] = useState(false);
  const [composingSubtask, setComposingSubtask] = useState(false);
  const archived = useMutation(
    trpc.task[task.data?.archivedAt ? "unarchive" : "archive"].mutationOptions({
      onSettled: () => Promise.all([queryClient.invalidateQueries(trpc.task.get.queryFilter({ id: taskId })), invalidateBoard(queryClient, trpc)]),
    }),
  );
  const prompt = useMutation(
    trpc.task.prompt.mutationOptions({
      onSuccess: () => {
        setFollowUp("");
        setTab(null);
        return queryClient.invalidateQueries(trpc.task.get.queryFilter({ id: taskId }));
      },
    }),
  );

  // What the person may open next loads while the browser is idle: the modal while the agent may
  // ask, the review once there is a change.
  const current = timeline.state ?? task.data?.state;
  usePreloadWhenIdle(loadPermissionModal, current === "running" || current === "needs_input");
  usePreloadWhenIdle(loadReviewPanel, current === "review" || (task.data?.change ?? null) !== null);

  // A failed refetch keeps the task on screen (the database may be down for a moment).
  if (task.error && !task.data) {
    const notFound = task.error.data?.code === "NOT_FOUND" || task.error.data?.code === "BAD_REQUEST";
    return (
      <Notice tone="error" title={notFound ? "Task not found" : "The task could not be loaded"} action={<Link className="font-medium text-accent hover:underline" href="/" prefetch={false}>← Back to the board</Link>}>
        {notFound ? `There is no task ${taskId}. It may have been removed, or the link is wrong.` : errorMessage(task.error)}
      </Notice>
    );
  }
  if (!task.data) return <div className="h-64 animate-pulse rounded-xl bg-panel" />;

  const t = task.data;
  // The live stream knows the newest state first; the row catches up on refetch.
  const state = timeline.state ?? t.state;
  const request = timeline.pending[0];
  const tool = request ? (timeline.items.find((i) => i.kind === "tool" && i.toolCallId === request.toolCallId) as ToolItem | undefined) : undefined;
  const modalOpen = request !== undefined && !dismissed.has(request.requestId);
  const plan = timeline.items.find((i) => i.kind === "plan");
  const usage = timeline.usage;
  const canCancel = canBeCancelled(state);
  const liveSubtasks = cancellableSubtasks(t);
  const canArchive = isFinishedTaskState(state);
  const canFollowUp = acceptsFollowUp(state);
  const hasChange = t.change !== null || state === "review" || state === "applied" || state === "discarded";
  const inTerminal = t.agent.transport === "pty";
  const tabs: Tab[] = inTerminal ? ["terminal", "timeline", "review"] : ["timeline", "review"];
  const tab: Tab = chosenTab && tabs.includes(chosenTab) ? chosenTab : inTerminal ? "terminal" : "timeline";

  const sendFollowUp = () => {
    if (followUp.trim() && !prompt.isPending) prompt.mutate({ id: taskId, prompt: followUp });
  };
  const onFollowUpKey = (event: KeyboardEvent) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      sendFollowUp();
    }
  };

  return (
    <div className="flex h-[calc(100dvh-5.5rem)] flex-col gap-3 sm:h-[calc(100dvh-7rem)]">
      <div className="flex flex-wrap items-start gap-3" data-testid="task-header">
        <div className="min-w-0 flex-1">
          <div className="flex items-center gap-2 text-xs text-muted">
            <Link href="/" prefetch={false} className="hover:text-fg">Board</Link>
            <span>/</span>
            <span className="truncate">{t.project.name}</span>
          </div>
          <h1 className="mt-1 truncate text-lg font-semibold tracking-tight sm:text-xl" title={t.prompt}>
            {taskTitle(t.prompt)}
          </h1>
          <div className="mt-1.5 flex flex-wrap items-center gap-2 text-xs text-muted">
            <span data-testid="task-state">
              <StateBadge state={state} />
            </span>
            <span>{t.agent.name}</span>
            <SandboxBadge inline />
            {t.model && <span>· {t.model}</span>}
            {(timeline.mode ?? t.mode) && <span>· mode {timeline.mode ?? t.mode}</span>}
            {t.branch && <span className="font-mono">· {t.branch}</span>}
            {t.attemptGroup && (
              <Link href={`/compare/${t.attemptGroup}`} className="text-accent hover:underline" data-testid="task-attempt">
                · attempt {t.attemptIndex}/{t.attempts}: compare
              </Link>
            )}
            {live.connection === "connecting" && <span>· {databaseDown ? "live updates paused" : "connecting…"}</span>}
          </div>
        </div>
        <div className="flex items-center gap-2">
          {t.archivedAt && (
            <span className="rounded-full bg-slate-500/15 px-2 py-0.5 text-xs font-medium text-muted ring-1 ring-slate-500/30" data-testid="archived-badge">
              Archived
            </span>
          )}
          {canArchive && (
            <Button
              disabled={archived.isPending}
              onClick={() => archived.mutate({ id: taskId })}
              title={t.archivedAt ? "Back onto the board and into search" : "Off the board and search; nothing is deleted"}
            >
              {t.archivedAt ? "Unarchive" : "Archive"}
            </Button>
          )}
          <Button onClick={() => setComposingSubtask(true)} title="A new task under this one, in the same project">
            New subtask
          </Button>
          {canCancel && (
            <Button
              tone="danger"
              disabled={cancel.isPending}
              onClick={() => (liveSubtasks > 0 ? setConfirmCancel(true) : cancel.mutate({ id: taskId }))}
              aria-expanded={liveSubtasks > 0 ? confirmCancel : undefined}
            >
              {cancel.isPending ? "Cancelling…" : "Cancel"}
            </Button>
          )}
        </div>
      </div>

      {confirmCancel && canCancel && (
        <div
          role="alertdialog"
          aria-label="Cancel the subtasks too?"
          data-testid="cancel-subtasks-confirm"
          onKeyDown={(event) => {
            if (event.key === "Escape") setConfirmCancel(false);
          }}
          className="flex flex-wrap items-center gap-2 rounded-lg border border-rose-500/40 bg-rose-500/5 px-3 py-2 text-sm">
          <span className="min-w-0 flex-1">
            This task has {liveSubtasks} subtask{liveSubtasks === 1 ? "" : "s"} still waiting or running. Cancel {liveSubtasks === 1 ? "it" : "them"} too?
          </span>
          <Button tone="danger" autoFocus onClick={() => { setConfirmCancel(false); cancel.mutate({ id: taskId, withSubtasks: true }); }}>
            Cancel with subtasks
          </Button>
          <Button onClick={() => { setConfirmCancel(false); cancel.mutate({ id: taskId }); }}>Only this task</Button>
          <Button tone="ghost" onClick={() => setConfirmCancel(false)}>Keep running</Button>
        </div>
      )}

      {cancel.error && <Notice tone="error" title="Could not cancel">{errorMessage(cancel.error)}</Notice>}
      {start.error && <Notice tone="error" title="Could not start">{errorMessage(start.error)}</Notice>}
      {archived.error && <Notice tone="error" title="Could not change the archive">{errorMessage(archived.error)}</Notice>}
      {t.error && (state === "failed" || state === "cancelled") && <Notice tone="error" title={state === "failed" ? "The task failed" : "The task was cancelled"}>{t.error}</Notice>}
      {request && !modalOpen && (
        <div className="flex flex-wrap items-center gap-3 rounded-lg border border-amber-500/50 bg-amber-500/10 px-3 py-2 text-sm">
          <span className="size-2 animate-pulse rounded-full bg-amber-500" aria-hidden />
          The agent is waiting for your permission.
          <Button tone="primary" className="ml-auto" onClick={() => setDismissed(new Set())}>
            Answer
          </Button>
        </div>
      )}

      <TaskTree task={t} state={state} onStart={() => start.mutate({ id: taskId })} starting={start.isPending} />

      <ServicesPanel taskId={taskId} projectId={t.project.id} state={state} timeline={timeline} />

      <div className="flex items-center gap-1 border-b border-line text-sm" role="tablist">
        {tabs.map((id) => (
          <button
            key={id}
            type="button"
            role="tab"
            aria-selected={tab === id}
            onClick={() => setTab(id)}
            className={`-mb-px border-b-2 px-3 py-2 capitalize ${tab === id ? "border-accent font-medium text-fg" : "border-transparent text-muted hover:text-fg"}`}
          >
            {id}
            {id === "review" && t.change && (
              <span className="ml-1.5 rounded-full bg-raised px-1.5 text-xs text-muted">{t.change.files.length}</span>
            )}
          </button>
        ))}
        {state === "review" && tab !== "review" && (
          <button type="button" onClick={() => setTab("review")} className="ml-auto rounded-md bg-violet-500/15 px-2.5 py-1 text-xs font-medium text-violet-700 dark:text-violet-300">
            Change ready — review it →
          </button>
        )}
      </div>

      <div className="flex min-h-0 flex-1 gap-4">
        <div className="flex min-h-0 min-w-0 flex-1 flex-col">
          {inTerminal && (
            // Stays mounted on the other tabs, so its output is not replayed again.
            <div className={tab === "terminal" ? "flex min-h-0 flex-1 flex-col" : "hidden"}>
              <TaskTerminal taskId={taskId} terminalId={PTY_TERMINAL_ID} live={state === "running" || state === "needs_input"} onEvents={live.onEvents} />
            </div>
          )}
          {tab === "terminal" ? null : tab === "timeline" ? (
            <TimelineView timeline={timeline} hasOlder={live.hasOlder} loadingOlder={live.loadingOlder} olderError={live.olderError} loadOlder={live.loadOlder} root={t.worktreePath} />
          ) : (
            <div className="min-h-0 flex-1 overflow-y-auto">{hasChange ? <ReviewPanel taskId={taskId} state={state} onEvents={live.onEvents} /> : <Notice title="No change yet">The diff appears here when the agent finishes its turn.</Notice>}</div>
          )}
          {live.error && !databaseDown && <p className="mt-2 text-xs text-rose-600">Live updates interrupted: {errorMessage(live.error)}. Reconnecting…</p>}
          {canFollowUp && (
            <div className="mt-3 flex items-end gap-2">
              <PromptInput
                aria-label="Follow-up prompt"
                className={`${inputClass} min-h-[2.5rem] resize-y`}
                rows={2}
                value={followUp}
                onValueChange={setFollowUp}
                commands={commands}
                placement="above"
                onKeyDown={onFollowUpKey}
                placeholder={
                  inTerminal
                    ? "Run the agent again with another prompt… (Ctrl+Enter)"
                    : commands.length > 0
                      ? "Ask for more changes in the same session… / for commands, Ctrl+Enter to send"
                      : "Ask for more changes in the same session… (Ctrl+Enter)"
                }
              />
              <Button tone="primary" onClick={sendFollowUp} disabled={!followUp.trim() || prompt.isPending}>
                Send
              </Button>
            </div>
          )}
          {prompt.error && <p role="alert" className="mt-1 text-sm text-rose-600">{errorMessage(prompt.error)}</p>}
        </div>

        <aside className="hidden w-72 shrink-0 flex-col gap-3 overflow-y-auto lg:flex">
          {plan?.kind === "plan" && (
            <section className="rounded-lg border border-line bg-panel p-3">
              <h2 className="mb-2 text-xs font-semibold tracking-wide text-muted uppercase">Plan</h2>
              <ul className="grid gap-1 text-sm">
                {plan.entries.map((e, i) => (
                  <li key={i} className="flex gap-2">
                    <span aria-hidden>{e.status === "completed" ? "✓" : e.status === "in_progress" ? "•" : "○"}</span>
                    <span className={e.status === "completed" ? "text-muted line-through" : ""}>{e.content}</span>
                  </li>
                ))}
              </ul>
            </section>
          )}
          <section className="rounded-lg border border-line bg-panel p-3 text-sm">
            <h2 className="mb-2 text-xs font-semibold tracking-wide text-muted uppercase">Usage</h2>
            <dl className="grid grid-cols-2 gap-y-1">
              <dt className="text-muted">Input</dt>
              <dd className="text-right tabular-nums">{formatTokens(usage.inputTokens ?? (t.inputTokens !== null ? Number(t.inputTokens) : undefined))}</dd>
              <dt className="text-muted">Output</dt>
              <dd className="text-right tabular-nums">{formatTokens(usage.outputTokens ?? (t.outputTokens !== null ? Number(t.outputTokens) : undefined))}</dd>
              {usage.used !== undefined && (
                <>
                  <dt className="text-muted">Context</dt>
                  <dd className="text-right tabular-nums">
                    {formatTokens(usage.used)}
                    {usage.size ? ` / ${formatTokens(usage.size)}` : ""}
                  </dd>
                </>
              )}
              <dt className="text-muted">Cost</dt>
              <dd className="text-right tabular-nums">
                {usage.cost ? `${usage.cost.amount.toFixed(4)} ${usage.cost.currency}` : t.costAmount !== null ? `${t.costAmount.toFixed(4)} ${t.costCurrency ?? ""}` : "–"}
              </dd>
            </dl>
          </section>
          <section className="rounded-lg border border-line bg-panel p-3 text-xs text-muted">
            <div>Events: {timeline.lastSeq}</div>
            <div>
              Created{" "}
              <DateTime date={t.createdAt} testId="task-created" />
            </div>
            {t.worktreePath && <div className="mt-1 font-mono break-all">{t.worktreePath}</div>}
          </section>
        </aside>
      </div>

      {composingSubtask && (
        <NewTaskDialog open={composingSubtask} onOpenChange={setComposingSubtask} parent={{ id: t.id, projectId: t.project.id, title: taskTitle(t.prompt) }} />
      )}
      {request && (
        <PermissionModal
          request={request}
          tool={tool}
          terminals={timeline.terminals}
          open={modalOpen}
          root={t.worktreePath}
          onDismiss={() => setDismissed((s) => new Set(s).add(request.requestId))}
        />
      )}
    </div>
  );
}

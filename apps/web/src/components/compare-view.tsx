"use client";

import { useQueries, useQuery } from "@tanstack/react-query";
import { canBeCancelled } from "@wharf/api/task-states";
import Link from "next/link";
import { useMemo, useState, type KeyboardEvent } from "react";
import { parseUnifiedDiff, type DiffFile } from "~/lib/diff";
import { elapsed, errorMessage, formatTokens, taskTitle } from "~/lib/format";
import { useLiveBoard } from "~/lib/live-board";
import { useNow } from "~/lib/use-now";
import { useTRPC } from "~/trpc/react";
import type { RouterOutputs } from "~/trpc/types";
import { DiffFileView } from "./diff-view";
import { PickAttemptDialog } from "./pick-attempt-dialog";
import { Button, Notice, StateBadge } from "./ui";

type Group = RouterOutputs["task"]["attempts"];
export type Attempt = Group["attempts"][number];

/**
 * Best-of-N: the attempts of one prompt side by side (agent, live state, time, tokens and cost,
 * files and +/- lines), a file picker that shows one file's diff across the attempts, and "Pick
 * this one" per attempt. States follow the board's live stream (the provider refetches this
 * group when one of its tasks changes state).
 */
export function CompareView({ groupId }: { groupId: string }) {
  const trpc = useTRPC();
  const group = useQuery(trpc.task.attempts.queryOptions({ groupId }));
  const { status } = useLiveBoard();
  const now = useNow();
  const [picking, setPicking] = useState<Attempt | null>(null);
  const attempts = useMemo(() => group.data?.attempts ?? [], [group.data]);
  const withChange = attempts.filter((a) => a.change !== null);
  const diffs = useQueries({ queries: withChange.map((a) => trpc.change.get.queryOptions({ taskId: a.id })) });
  const files = useMemo(() => [...new Set(attempts.flatMap((a) => a.change?.files.map((f) => f.path) ?? []))].sort(), [attempts]);
  const [chosen, setChosen] = useState<string | null>(null);
  const file = chosen !== null && files.includes(chosen) ? chosen : (files[0] ?? null);

  if (group.error) {
    return (
      <div className="mx-auto max-w-3xl">
        <Notice tone="error" title="These attempts could not be shown">{errorMessage(group.error)}</Notice>
      </div>
    );
  }
  if (!group.data) return <p className="text-sm text-muted">Loading the attempts…</p>;

  const parsed = new Map<string, DiffFile[]>();
  withChange.forEach((a, i) => {
    const diff = diffs[i]?.data?.diff;
    if (diff !== undefined) parsed.set(a.id, parseUnifiedDiff(diff));
  });
  const moveFile = (event: KeyboardEvent) => {
    const step = event.key === "ArrowDown" || event.key === "j" ? 1 : event.key === "ArrowUp" || event.key === "k" ? -1 : 0;
    if (step === 0 || files.length === 0) return;
    event.preventDefault();
    const at = Math.min(files.length - 1, Math.max(0, files.indexOf(file ?? "") + step));
    setChosen(files[at]!);
    document.getElementById(`compare-file-${at}`)?.focus();
  };

  return (
    <div className="grid gap-4">
      <header className="grid gap-1">
        <Link href="/" className="text-xs text-muted hover:text-fg">
          ← Board
        </Link>
        <h1 className="text-xl font-semibold">Compare {attempts.length} attempts</h1>
        <p className="line-clamp-2 text-sm text-muted" title={group.data.prompt}>
          {taskTitle(group.data.prompt)}
        </p>
      </header>

      <section aria-label="Attempts" className="grid gap-3" style={{ gridTemplateColumns: `repeat(auto-fit, minmax(min(100%, 15rem), 1fr))` }}>
        {attempts.map((a) => (
          <AttemptCard key={a.id} attempt={a} status={status[a.id]} now={now} onPick={() => setPicking(a)} />
        ))}
      </section>

      <section aria-label="Files" className="grid gap-3 lg:grid-cols-[16rem_1fr]">
        <div className="rounded-lg border border-line bg-panel p-2">
          <h2 className="px-1 pb-1 text-xs font-semibold tracking-wide text-muted uppercase">Files</h2>
          {files.length === 0 ? (
            <p className="px-1 text-sm text-muted">No attempt has changed a file yet.</p>
          ) : (
            <ul role="listbox" aria-label="Changed files (↑/↓ or j/k)" className="grid gap-0.5" onKeyDown={moveFile} data-testid="compare-files">
              {files.map((path, i) => (
                <li key={path}>
                  <button
                    id={`compare-file-${i}`}
                    role="option"
                    aria-selected={path === file}
                    tabIndex={path === file ? 0 : -1}
                    onClick={() => setChosen(path)}
                    className={`w-full rounded px-1.5 py-1 text-left font-mono text-xs focus-visible:ring-2 focus-visible:ring-accent focus-visible:outline-none ${path === file ? "bg-accent/12 text-fg" : "text-muted hover:bg-raised hover:text-fg"}`}
                  >
                    <span className="block truncate" title={path}>
                      {path}
                    </span>
                    <span className="mt-0.5 flex gap-2 text-[10px]">
                      {attempts.map((a) => {
                        const stats = a.change?.files.find((f) => f.path === path);
                        return (
                          <span key={a.id} title={`Attempt ${a.attemptIndex}`} className="tabular-nums">
                            {a.attemptIndex}:{stats ? <Stats additions={stats.additions} deletions={stats.deletions} /> : <span className="text-muted"> –</span>}
                          </span>
                        );
                      })}
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
        {file && (
          <div className="grid min-w-0 gap-3" style={{ gridTemplateColumns: `repeat(auto-fit, minmax(min(100%, 22rem), 1fr))` }} data-testid="compare-diffs">
            {attempts.map((a) => {
              const diff = parsed.get(a.id)?.find((f) => f.path === file);
              return (
                <div key={a.id} className="min-w-0" data-testid="compare-diff" data-attempt={a.attemptIndex}>
                  <div className="mb-1 text-xs font-medium text-muted">
                    Attempt {a.attemptIndex} · {a.agent.name}
                  </div>
                  {diff ? (
                    <DiffFileView file={diff} mode="unified" />
                  ) : (
                    <p className="rounded-lg border border-dashed border-line p-3 text-sm text-muted">
                      {a.change && !parsed.has(a.id) ? "Loading the diff…" : "This attempt did not change this file."}
                    </p>
                  )}
                </div>
              );
            })}
          </div>
        )}
      </section>

      {picking && <PickAttemptDialog attempt={picking} siblings={attempts.filter((a) => a.id !== picking.id)} onClose={() => setPicking(null)} />}
    </div>
  );
}

function Stats({ additions, deletions }: { additions: number; deletions: number }) {
  return (
    <>
      <span className="text-emerald-700 dark:text-emerald-400"> +{additions}</span>
      <span className="text-rose-700 dark:text-rose-400"> −{deletions}</span>
    </>
  );
}

function AttemptCard({ attempt: a, status, now, onPick }: { attempt: Attempt; status: string | undefined; now: number; onPick: () => void }) {
  const usage = a.usage;
  const settled = !canBeCancelled(a.state);
  const line = settled ? (a.error ?? a.summary) : status;
  return (
    <article className="flex flex-col gap-2 rounded-lg border border-line bg-panel p-3 text-sm" data-testid="attempt-card" data-attempt={a.attemptIndex} aria-label={`Attempt ${a.attemptIndex}: ${a.agent.name}`}>
      <div className="flex items-center gap-2">
        <span className="text-xs font-semibold text-muted">#{a.attemptIndex}</span>
        <span className="min-w-0 truncate font-medium">{a.agent.name}</span>
        <span className="ml-auto">
          <StateBadge state={a.state} />
        </span>
      </div>
      {(a.model || a.mode) && <div className="text-xs text-muted">{[a.model, a.mode].filter(Boolean).join(" · ")}</div>}
      {line && (
        <div className="truncate text-xs text-muted" title={line}>
          {line}
        </div>
      )}
      <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-0.5 text-xs">
        <dt className="text-muted">Time</dt>
        <dd className="text-right tabular-nums" data-testid="attempt-time">
          {elapsed(a.startedAt, settled ? (a.ranUntil ?? a.finishedAt) : null, now)}
        </dd>
        <dt className="text-muted">Tokens</dt>
        <dd className="text-right tabular-nums">
          {usage.inputTokens !== undefined || usage.outputTokens !== undefined
            ? `${formatTokens(usage.inputTokens)} in · ${formatTokens(usage.outputTokens)} out`
            : usage.used !== undefined
              ? `${formatTokens(usage.used)} context`
              : "–"}
        </dd>
        <dt className="text-muted">Cost</dt>
        <dd className="text-right tabular-nums" data-testid="attempt-cost">
          {usage.cost ? `${usage.cost.amount.toFixed(2)} ${usage.cost.currency}` : "–"}
        </dd>
        <dt className="text-muted">Change</dt>
        <dd className="text-right tabular-nums" data-testid="attempt-stats">
          {a.change ? (
            <>
              {a.change.files.length} {a.change.files.length === 1 ? "file" : "files"}
              <Stats additions={a.change.additions} deletions={a.change.deletions} />
            </>
          ) : (
            "none"
          )}
        </dd>
      </dl>
      <div className="mt-auto flex items-center gap-2 pt-1">
        <Link href={`/tasks/${a.id}`} className="text-xs text-accent hover:underline">
          Open task
        </Link>
        {a.state === "review" && (
          <Button tone="primary" className="ml-auto" onClick={onPick} aria-label={`Pick attempt ${a.attemptIndex} (${a.agent.name})`}>
            Pick this one
          </Button>
        )}
        {a.prUrl && (
          <a href={a.prUrl} className="ml-auto text-xs text-accent hover:underline" target="_blank" rel="noreferrer">
            Pull request
          </a>
        )}
      </div>
    </article>
  );
}

"use client";

import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { startTransition, useEffect, useRef, useState, type RefObject } from "react";
import { moveOf, nextCard, typingIn } from "~/lib/board-keys";
import { usePreloadWhenIdle } from "~/lib/use-preload";
import { BOARD_PAGE, finishedColumnInput, finishedColumns, type BoardFilter } from "~/lib/board-queries";
import { columns, errorMessage, formatCount } from "~/lib/format";
import { invalidateBoard, useLiveBoard } from "~/lib/live-board";
import { useHydrated } from "~/lib/use-hydrated";
import { useNow } from "~/lib/use-now";
import { useTRPC } from "~/trpc/react";
import { BoardArchiveMenu } from "./board-archive-menu";
import { BoardCard, type Card } from "./board-card";
import { LazyNewTaskDialog as NewTaskDialog, loadNewTaskDialog } from "./new-task-dialog-lazy";
import { Button, Notice, inputClass, selectClass } from "./ui";

/** `value`, once it has not changed for `ms`. */
function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}


type Filter = BoardFilter;

/**
 * The board. Live columns (queued, running, needs input, review) hold every such task and follow
 * `board.changes`; the Done and Failed columns show finished tasks a page at a time, and the
 * archived view shows the archived ones instead. Keys: `/` search, `n` new task, arrows or
 * h/j/k/l between cards, Enter opens, Escape leaves the search.
 */
/** The board; `renderedAt` is when the server rendered it (Date.now() there). */
export function Board({ renderedAt }: { renderedAt: number }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [projectId, setProjectId] = useState("");
  const [agentId, setAgentId] = useState("");
  const [text, setText] = useState("");
  const [archivedView, setArchivedView] = useState(false);
  const [composing, setComposing] = useState(false);
  const searchRef = useRef<HTMLInputElement>(null);
  const boardRef = useRef<HTMLDivElement>(null);
  const search = useDebounced(text.trim(), 200);
  const filter: Filter = { projectId: projectId || undefined, agentId: agentId || undefined, search: search || undefined };

  const projects = useQuery(trpc.project.list.queryOptions());
  const agents = useQuery(trpc.agent.list.queryOptions());
  const live = useQuery(trpc.board.live.queryOptions(filter, { staleTime: 60_000, placeholderData: (previous) => previous, enabled: !archivedView }));
  const { status, databaseDown } = useLiveBoard();
  const now = useNow(10_000, renderedAt);
  const archive = useMutation(trpc.task.archive.mutationOptions({ onSettled: () => invalidateBoard(queryClient, trpc) }));
  const unarchive = useMutation(trpc.task.unarchive.mutationOptions({ onSettled: () => invalidateBoard(queryClient, trpc) }));
  const toggleArchived = (task: Card) => (task.archivedAt ? unarchive : archive).mutate({ id: task.id });

  useBoardKeys({ boardRef, searchRef, onNew: () => projects.data?.length && setComposing(true) });
  const ready = useHydrated();
  // The New task dialog loads while the browser is idle after the board came up.
  usePreloadWhenIdle(loadNewTaskDialog, ready);

  // While the database is down the banner above says so; the board keys the cards it has.
  const error = databaseDown ? null : (live.error ?? projects.error ?? archive.error ?? unarchive.error);
  const noProjects = projects.data && projects.data.length === 0;
  const shown = archivedView ? columns.filter((c) => finishedColumns.includes(c.id)) : columns;

  return (
    <div>
      <div className="mb-4 flex flex-wrap items-center gap-2">
        <h1 className="mr-auto text-xl font-semibold tracking-tight">{archivedView ? "Archived tasks" : "Tasks"}</h1>
        <div className="relative w-full sm:w-72">
          <svg viewBox="0 0 24 24" className="pointer-events-none absolute top-1/2 left-2.5 size-4 -translate-y-1/2 text-muted" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" aria-hidden>
            <circle cx="11" cy="11" r="7" />
            <path d="m20 20-3.5-3.5" />
          </svg>
          <input
            ref={searchRef}
            type="search"
            role="searchbox"
            aria-label="Search tasks by prompt, id or branch"
            aria-keyshortcuts="/"
            placeholder="Search prompt, id, branch"
            value={text}
            readOnly={!ready}
            onChange={(e) => setText(e.target.value)}
            onKeyDown={(e) => {
              if (e.key !== "Escape") return;
              // Leaves the search (the results stay); arrows then move between cards.
              e.preventDefault();
              e.currentTarget.blur();
              boardRef.current?.querySelector<HTMLElement>("[data-card-row]")?.focus();
            }}
            className={`${inputClass} pr-8 pl-8`}
            data-testid="board-search"
          />
          <kbd className="pointer-events-none absolute top-1/2 right-2 -translate-y-1/2 rounded border border-line px-1 text-[10px] text-muted" aria-hidden>
            /
          </kbd>
        </div>
        <select aria-label="Filter by project" className={selectClass} disabled={!ready} value={projectId} onChange={(e) => setProjectId(e.target.value)}>
          <option value="">All projects</option>
          {projects.data?.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </select>
        <select aria-label="Filter by agent" className={selectClass} disabled={!ready} value={agentId} onChange={(e) => setAgentId(e.target.value)}>
          <option value="">All agents</option>
          {agents.data?.map((a) => (
            <option key={a.id} value={a.id}>
              {a.name}
            </option>
          ))}
        </select>
        <Button aria-pressed={archivedView} disabled={!ready} onClick={() => setArchivedView((v) => !v)} data-testid="archived-view" className={archivedView ? "bg-raised ring-accent/60" : ""}>
          {archivedView ? "Back to the board" : "Archived"}
        </Button>
        {!archivedView && <BoardArchiveMenu projectId={projectId || undefined} disabled={!ready} />}
        <Button tone="primary" onClick={() => setComposing(true)} disabled={!ready || !projects.data?.length} aria-keyshortcuts="n" title="New task (n)">
          New task
        </Button>
      </div>

      {error && (
        <div className="mb-4">
          <Notice tone="error" title="The board could not be loaded">
            {errorMessage(error)}
          </Notice>
        </div>
      )}
      {noProjects && (
        <div className="mb-4">
          <Notice title="Add a project to start" action={<Link className="font-medium text-accent hover:underline" href="/projects">Add a project →</Link>}>
            Wharf runs agents in git worktrees of your repositories. Point it at a git repository first.
          </Notice>
        </div>
      )}
      {search && (
        <p className="mb-2 text-xs text-muted" role="status" data-testid="search-status">
          {archivedView ? "Archived tasks" : "Tasks"} matching “{search}” in the prompt, id or branch. Escape leaves the search.
        </p>
      )}

      <div
        ref={boardRef}
        data-testid="board-columns"
        data-ready={ready ? "" : undefined}
        className={`grid grid-cols-1 gap-3 sm:grid-cols-2 ${archivedView ? "lg:grid-cols-2" : "lg:grid-cols-3 xl:grid-cols-6"}`}
        aria-label="Board: arrow keys or h, j, k, l move between cards"
        role="group"
      >
        {shown.map((column, index) =>
          finishedColumns.includes(column.id) ? (
            <FinishedColumn
              key={`${column.id}-${archivedView}`}
              column={column}
              index={index}
              filter={filter}
              archived={archivedView}
              status={status}
              now={now}
              onArchive={toggleArchived}
            />
          ) : (
            <ColumnFrame key={column.id} column={column} count={live.data ? String(live.data.items.filter((t) => column.states.includes(t.state)).length) : "…"}>
              <CardList
                index={index}
                label={column.title}
                pending={live.isPending}
                empty={search ? "No matches." : column.empty}
                items={(live.data?.items ?? []).filter((t) => column.states.includes(t.state))}
                status={status}
                now={now}
              />
            </ColumnFrame>
          ),
        )}
      </div>
      {live.data?.truncated && <p className="mt-2 text-xs text-muted">Showing the newest 2,000 live tasks.</p>}
      {composing && <NewTaskDialog open={composing} onOpenChange={setComposing} defaultProjectId={projectId} />}
    </div>
  );
}

function ColumnFrame({ column, count, children }: { column: (typeof columns)[number]; count: string; children: React.ReactNode }) {
  return (
    <section aria-label={column.title} data-testid={`column-${column.id}`} className="flex min-h-40 flex-col rounded-xl border border-line bg-raised/50 p-2">
      <h2 className="flex items-center justify-between px-1.5 pt-0.5 pb-2 text-xs font-semibold tracking-wide text-muted uppercase">
        {column.title}
        <span className="rounded-full bg-panel px-1.5 py-0.5 text-[11px] font-medium tabular-nums ring-1 ring-line" data-testid="column-count">
          {count}
        </span>
      </h2>
      {children}
    </section>
  );
}

/**
 * Cards per column in the server's HTML and the first render: a screen's worth (a card is ~80 px
 * high, so 8 fill a 720 px window below the header). A board's columns hold a page of finished
 * cards and every live one; the HTML of all of them was most of a first visit's time (parsing,
 * styles and layout of ~200 cards before anything was usable).
 */
const FIRST_CARDS = 8;

/** False for the server render and hydration, then true in a transition, which renders the rest of the cards without holding up input. */
function useCompleteAfterFirstPaint(): boolean {
  const [complete, setComplete] = useState(false);
  useEffect(() => startTransition(() => setComplete(true)), []);
  return complete;
}

function CardList({
  index,
  label,
  pending,
  empty,
  items,
  status,
  now,
  onArchive,
}: {
  index: number;
  label: string;
  pending: boolean;
  empty: string;
  items: Card[];
  status: Record<string, string>;
  now: number;
  onArchive?: (task: Card) => void;
}) {
  const complete = useCompleteAfterFirstPaint();
  if (pending) return <div className="h-20 animate-pulse rounded-lg bg-panel" />;
  if (items.length === 0) return <p className="px-1.5 py-3 text-xs text-muted">{empty}</p>;
  const shown = complete ? items : items.slice(0, FIRST_CARDS);
  return (
    <ul className="flex flex-col gap-2" aria-label={`${label}: ${shown.length} shown`}>
      {shown.map((task, row) => (
        <BoardCard key={task.id} task={task} status={status[task.id]} now={now} column={index} row={row} onArchive={onArchive} />
      ))}
    </ul>
  );
}

/** A column of finished tasks (or archived ones), a page at a time with "Show more". */
function FinishedColumn({
  column,
  index,
  filter,
  archived,
  status,
  now,
  onArchive,
}: {
  column: (typeof columns)[number];
  index: number;
  filter: Filter;
  archived: boolean;
  status: Record<string, string>;
  now: number;
  onArchive: (task: Card) => void;
}) {
  const ready = useHydrated();
  const trpc = useTRPC();
  const pages = useInfiniteQuery(
    trpc.board.finished.infiniteQueryOptions(
      finishedColumnInput(column.id, filter, archived),
      { getNextPageParam: (last) => last.nextCursor ?? undefined, staleTime: 60_000, placeholderData: (previous) => previous },
    ),
  );
  const items = pages.data?.pages.flatMap((p) => p.items) ?? [];
  const total = pages.data?.pages[0]?.total;
  const count = total === undefined ? "…" : items.length < total ? `${formatCount(items.length)} of ${formatCount(total)}` : formatCount(total);
  const empty = filter.search ? "No matches." : archived ? "Nothing archived here." : column.empty;
  return (
    <ColumnFrame column={column} count={count}>
      <CardList index={index} label={column.title} pending={pages.isPending} empty={empty} items={items} status={status} now={now} onArchive={onArchive} />
      {pages.hasNextPage && (
        <Button tone="ghost" className="mt-2 w-full" disabled={!ready || pages.isFetchingNextPage} onClick={() => void pages.fetchNextPage()} data-testid="show-more">
          {pages.isFetchingNextPage ? "Loading…" : `Show ${formatCount(Math.min(BOARD_PAGE, (total ?? 0) - items.length))} more`}
        </Button>
      )}
      {pages.error && <p className="mt-2 px-1.5 text-xs text-rose-600">{errorMessage(pages.error)}</p>}
    </ColumnFrame>
  );
}

/** The board's keys, on the whole page while the board is shown; none while typing or in a dialog. */
function useBoardKeys({ boardRef, searchRef, onNew }: { boardRef: RefObject<HTMLDivElement | null>; searchRef: RefObject<HTMLInputElement | null>; onNew: () => void }) {
  const onNewRef = useRef(onNew);
  onNewRef.current = onNew;
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented || typingIn(event.target)) return;
      if (event.key === "/") {
        event.preventDefault();
        searchRef.current?.focus();
        searchRef.current?.select();
        return;
      }
      if (event.key === "n") {
        event.preventDefault();
        onNewRef.current();
        return;
      }
      const move = moveOf(event.key);
      const board = boardRef.current;
      if (!move || !board) return;
      const cards = [...board.querySelectorAll<HTMLElement>("[data-card-column]")];
      const lengths: number[] = [];
      for (const card of cards) {
        const column = Number(card.dataset.cardColumn);
        lengths[column] = Math.max(lengths[column] ?? 0, Number(card.dataset.cardRow) + 1);
      }
      for (let i = 0; i < lengths.length; i++) lengths[i] ??= 0;
      const focused = document.activeElement instanceof HTMLElement ? document.activeElement.closest<HTMLElement>("[data-card-column]") : null;
      const at = focused && board.contains(focused) ? { column: Number(focused.dataset.cardColumn), row: Number(focused.dataset.cardRow) } : null;
      const next = nextCard(lengths, at, move);
      if (!next) return;
      event.preventDefault();
      const target = board.querySelector<HTMLElement>(`[data-card-column="${next.column}"][data-card-row="${next.row}"]`);
      target?.focus();
      target?.scrollIntoView({ block: "nearest" });
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [boardRef, searchRef]);
}

"use client";

import { useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { TRPCClientError } from "@trpc/client";
import { useSubscription } from "@trpc/tanstack-react-query";
import type { BoardChange } from "@wharf/api";
import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from "react";
import { useRouter } from "next/navigation";
import { useTRPC } from "~/trpc/react";
import { notifyStateChange, useWaitingTitle } from "./notifications";

type LiveCards = { items: { id: string; state: string; prompt: string }[]; truncated: boolean };
type Trpc = ReturnType<typeof useTRPC>;

/** Refetches the board's cards (live and finished columns), e.g. after a task was created or archived. */
type Related = { id: string };
type TaskTreeData = { parent?: Related | null; subtasks?: Related[]; dependsOn?: Related[]; dependents?: Related[] };

/** Whether a cached `task.get` answer names `taskId` in its tree. */
function mentions(data: unknown, taskId: string): boolean {
  if (!data || typeof data !== "object") return false;
  const tree = data as TaskTreeData;
  if (tree.parent?.id === taskId) return true;
  return [tree.subtasks, tree.dependsOn, tree.dependents].some((list) => Array.isArray(list) && list.some((t) => t.id === taskId));
}

/** Whether a cached `task.attempts` answer lists `taskId`. */
function hasAttempt(data: unknown, taskId: string): boolean {
  const attempts = data && typeof data === "object" && "attempts" in data ? data.attempts : undefined;
  return Array.isArray(attempts) && attempts.some((a: { id?: unknown }) => a.id === taskId);
}

export function invalidateBoard(queryClient: QueryClient, trpc: Trpc) {
  return Promise.all([
    queryClient.invalidateQueries(trpc.board.live.pathFilter()),
    queryClient.invalidateQueries(trpc.board.finished.pathFilter()),
  ]);
}

type LiveBoard = {
  /** One-line live status per task, from `board.changes`. */
  status: Record<string, string>;
  connected: boolean;
  pendingCount: number;
  /** Set while the server says its database is unreachable (the stream reconnects by itself). */
  databaseDown: string | null;
};

const LiveBoardContext = createContext<LiveBoard>({ status: {}, connected: false, pendingCount: 0, databaseDown: null });

/** The server ended a stream because its database is unreachable (see DatabaseUnavailableError). */
function unavailableMessage(error: unknown): string | null {
  if (!(error instanceof TRPCClientError)) return null;
  const code = (error.data as { code?: unknown } | undefined)?.code;
  return code === "SERVICE_UNAVAILABLE" ? error.message : null;
}

export function useLiveBoard() {
  return useContext(LiveBoardContext);
}

/**
 * Holds the tab's one `board.changes` subscription. Each message patches the cached live cards
 * in place (last seq) and the card's status line; a change of state or an unknown task refetches
 * the cards (a task may move between columns), a task entering or leaving `needs_input` refetches
 * the pending permissions, and entering `needs_input` or `review` notifies when the person asked for it.
 */
export function LiveBoardProvider({ children }: { children: ReactNode }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const [status, setStatus] = useState<Record<string, string>>({});
  const [connected, setConnected] = useState(false);
  const [databaseDown, setDatabaseDown] = useState<string | null>(null);
  const down = useRef<string | null>(null);
  const markDown = useCallback((message: string | null) => {
    down.current = message;
    setDatabaseDown(message);
  }, []);
  const pending = useQuery(trpc.permission.pending.queryOptions({}, { staleTime: 5_000 }));
  const known = useRef(new Map<string, string>());

  const onData = useCallback(
    (change: BoardChange) => {
      if (change.status) setStatus((s) => ({ ...s, [change.taskId]: change.status! }));
      let found = false;
      let prompt: string | undefined;
      for (const [, data] of queryClient.getQueriesData<LiveCards>(trpc.board.live.pathFilter())) {
        const card = Array.isArray(data?.items) ? data.items.find((t) => t.id === change.taskId) : undefined;
        if (!card) continue;
        found = true;
        prompt = card.prompt;
      }
      // A new task, or one that moved between columns: the columns are read again.
      if (!found || change.state) void invalidateBoard(queryClient, trpc);
      if (change.state) {
        const before = known.current.get(change.taskId);
        known.current.set(change.taskId, change.state);
        if (before !== change.state) notifyStateChange({ taskId: change.taskId, state: change.state, prompt, status: change.status }, (href) => router.push(href));
        void queryClient.invalidateQueries(trpc.task.get.queryFilter({ id: change.taskId }));
        // Task pages that list this one (as parent, subtask, dependency or dependent) show its state.
        void queryClient.invalidateQueries({
          ...trpc.task.get.pathFilter(),
          predicate: (query) => mentions(query.state.data, change.taskId),
        });
        // Compare views (best-of-N) that show this task as one of their attempts.
        void queryClient.invalidateQueries({
          ...trpc.task.attempts.pathFilter(),
          predicate: (query) => hasAttempt(query.state.data, change.taskId),
        });
        // A follow-up turn may have changed the diff under review.
        void queryClient.invalidateQueries(trpc.change.get.queryFilter({ taskId: change.taskId }));
        if (change.state === "needs_input" || before === "needs_input" || before === undefined) {
          void queryClient.invalidateQueries(trpc.permission.pending.pathFilter());
        }
      }
    },
    [queryClient, trpc, router],
  );

  useSubscription(
    trpc.board.changes.subscriptionOptions(
      {},
      {
        onStarted: () => {
          setConnected(true);
          // No backfill on (re)connect: refetch what may have changed meanwhile.
          void invalidateBoard(queryClient, trpc);
          void queryClient.invalidateQueries(trpc.permission.pending.pathFilter());
          if (down.current) {
            // While the database is down a reconnect is accepted and then ended at once; only a
            // database that answers ends the "unreachable" state (one check per reconnect).
            queryClient.fetchQuery(trpc.health.check.queryOptions(undefined, { retry: false, staleTime: 0 })).then(
              () => {
                markDown(null);
                void queryClient.invalidateQueries(trpc.task.get.pathFilter());
              },
              () => undefined, // still down: the banner stays, the stream's next reconnect checks again
            );
          }
        },
        onData,
        onError: () => setConnected(false),
        onConnectionStateChange: (state) => {
          if (state.state !== "connecting") return;
          setConnected(false);
          const message = unavailableMessage(state.error);
          if (message) markDown(message);
        },
      },
    ),
  );

  useWaitingTitle(new Set(pending.data?.map((p) => p.taskId)).size);
  const value = useMemo(
    () => ({ status, connected, pendingCount: pending.data?.length ?? 0, databaseDown }),
    [status, connected, pending.data, databaseDown],
  );
  return <LiveBoardContext.Provider value={value}>{children}</LiveBoardContext.Provider>;
}

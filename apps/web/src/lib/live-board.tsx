"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { TRPCClientError } from "@trpc/client";
import { useSubscription } from "@trpc/tanstack-react-query";
import type { BoardChange } from "@wharf/api";
import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from "react";
import { useTRPC } from "~/trpc/react";

type TaskListPage = { items: { id: string; state: string; lastSeq: number }[]; nextCursor: string | null };

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
 * Holds the tab's one `board.changes` subscription. Each message patches the cached task lists
 * in place (state, last seq) and the card's status line; an unknown task refetches the list, a
 * task entering or leaving `needs_input` refetches the pending permissions.
 */
export function LiveBoardProvider({ children }: { children: ReactNode }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
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
      queryClient.setQueriesData<TaskListPage>(trpc.task.list.pathFilter(), (page) => {
        if (!page || !Array.isArray(page.items)) return page;
        const at = page.items.findIndex((t) => t.id === change.taskId);
        if (at === -1) return page;
        found = true;
        const items = page.items.slice();
        items[at] = { ...items[at]!, lastSeq: Math.max(items[at]!.lastSeq, change.seq), ...(change.state ? { state: change.state } : {}) };
        return { ...page, items };
      });
      if (!found) void queryClient.invalidateQueries(trpc.task.list.pathFilter());
      if (change.state) {
        const before = known.current.get(change.taskId);
        known.current.set(change.taskId, change.state);
        void queryClient.invalidateQueries(trpc.task.get.queryFilter({ id: change.taskId }));
        // A follow-up turn may have changed the diff under review.
        void queryClient.invalidateQueries(trpc.change.get.queryFilter({ taskId: change.taskId }));
        if (change.state === "needs_input" || before === "needs_input" || before === undefined) {
          void queryClient.invalidateQueries(trpc.permission.pending.pathFilter());
        }
      }
    },
    [queryClient, trpc],
  );

  useSubscription(
    trpc.board.changes.subscriptionOptions(
      {},
      {
        onStarted: () => {
          setConnected(true);
          // No backfill on (re)connect: refetch what may have changed meanwhile.
          void queryClient.invalidateQueries(trpc.task.list.pathFilter());
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

  const value = useMemo(
    () => ({ status, connected, pendingCount: pending.data?.length ?? 0, databaseDown }),
    [status, connected, pending.data, databaseDown],
  );
  return <LiveBoardContext.Provider value={value}>{children}</LiveBoardContext.Provider>;
}

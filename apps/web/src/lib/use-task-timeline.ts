"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import { useCallback, useEffect, useRef, useState } from "react";
import { useTRPC } from "~/trpc/react";
import { buildTimeline, emptyTimeline, foldEvents, mergeEvents, TIMELINE_TAIL, type Timeline, type TimelineEvent } from "./timeline";

const PAGE = 1000;

/** The tail of a task's events the server rendered the page with, and the seq the stream goes on after. */
export type InitialEvents = { events: TimelineEvent[]; lastSeq: number };

/**
 * The live timeline of one task: the last `TIMELINE_TAIL` events (or the `initial` ones the
 * server rendered) and every new one from `task.events` (folded once per animation frame,
 * however fast they come), plus `loadOlder()` for history.
 */
export function useTaskTimeline(taskId: string, enabled = true, initial?: InitialEvents | null) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [timeline, setTimeline] = useState<Timeline>(() => (initial ? buildTimeline(initial.events) : emptyTimeline));
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [olderError, setOlderError] = useState<string | null>(null);
  const events = useRef<TimelineEvent[]>(initial?.events ?? []);
  const buffer = useRef<TimelineEvent[]>([]);
  const frame = useRef<number | null>(null);
  const listeners = useRef(new Set<(batch: readonly TimelineEvent[]) => void>());
  const shownTask = useRef(taskId);
  const [initialTask] = useState(taskId);
  // Where the stream starts: after the server-rendered tail, or the last TIMELINE_TAIL events. On a
  // reconnect the stream itself resumes after the last event it sent.
  const start = initial && initialTask === taskId ? { lastEventId: String(initial.lastSeq) } : { tail: TIMELINE_TAIL };

  useEffect(() => {
    // Another task in the same view: start over (the first task's initial events are its own).
    if (shownTask.current !== taskId) {
      shownTask.current = taskId;
      events.current = [];
      buffer.current = [];
      setTimeline(emptyTimeline);
    }
    return () => {
      if (frame.current !== null) cancelAnimationFrame(frame.current);
      frame.current = null;
    };
  }, [taskId]);

  const flush = useCallback(() => {
    frame.current = null;
    const batch = buffer.current;
    buffer.current = [];
    if (batch.length === 0) return;
    events.current = mergeEvents(events.current, batch);
    setTimeline((t) => foldEvents(t, batch));
    for (const listener of listeners.current) listener(batch);
  }, []);

  /** Calls `listener` with every later batch of live events (e.g. for a terminal); returns the unsubscribe. */
  const onEvents = useCallback((listener: (batch: readonly TimelineEvent[]) => void) => {
    listeners.current.add(listener);
    return () => {
      listeners.current.delete(listener);
    };
  }, []);

  const subscription = useSubscription(
    trpc.task.events.subscriptionOptions(
      { taskId, ...start },
      {
        enabled,
        onData: (message) => {
          const data = message.data;
          buffer.current.push({ seq: data.seq, at: data.at, event: data.event });
          if (frame.current === null) frame.current = requestAnimationFrame(flush);
        },
      },
    ),
  );

  const hasOlder = timeline.firstSeq > 1;
  const loadOlder = useCallback(async () => {
    if (loadingOlder || !hasOlder) return;
    setLoadingOlder(true);
    setOlderError(null);
    try {
      const page = await queryClient.fetchQuery(
        trpc.task.history.queryOptions({ taskId, beforeSeq: timeline.firstSeq, limit: PAGE }, { staleTime: Infinity }),
      );
      const older: TimelineEvent[] = page.events.map((e) => ({ seq: e.seq, at: e.at, event: e.event }));
      events.current = mergeEvents(older, events.current);
      setTimeline(buildTimeline(events.current));
    } catch (error) {
      setOlderError(error instanceof Error ? error.message : String(error));
    } finally {
      setLoadingOlder(false);
    }
  }, [hasOlder, loadingOlder, queryClient, taskId, timeline.firstSeq, trpc]);

  return { timeline, hasOlder, loadOlder, loadingOlder, olderError, onEvents, connection: subscription.status, error: subscription.error };
}

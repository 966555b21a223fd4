import type { LiveTaskEvent } from "@wharf/api";
import type { WharfClient } from "./client.ts";

export type { LiveTaskEvent };

export type TaskEventsOptions = {
  /** Start after this seq (events `afterSeq + 1` …); default: from the first event. */
  afterSeq?: number;
  /** Without `afterSeq`: start this many events before the end. */
  tail?: number;
  signal?: AbortSignal;
  /**
   * Called when the stream's connection changes: `connecting` (first connect, or reconnecting
   * after a drop — `error` says why) and `pending` (connected, events flow).
   */
  onConnection?: (state: "connecting" | "pending" | "idle", error: Error | null) => void;
};

/**
 * A task's events in seq order — stored ones first, then live — as an async iterable over the
 * `task.events` subscription. Ends when `signal` aborts or the loop breaks; a server error (an
 * unknown task, a wrong token) is thrown from the loop. Dropped connections resume by themselves.
 */
export async function* taskEvents(client: WharfClient, taskId: string, opts: TaskEventsOptions = {}): AsyncGenerator<LiveTaskEvent, void, undefined> {
  const queue: LiveTaskEvent[] = [];
  let failure: { error: unknown } | null = null;
  let done = false;
  let wake: (() => void) | null = null;
  const notify = () => {
    const run = wake;
    wake = null;
    run?.();
  };
  const subscription = client.task.events.subscribe(
    {
      taskId,
      ...(opts.afterSeq !== undefined ? { lastEventId: String(opts.afterSeq) } : {}),
      ...(opts.tail !== undefined ? { tail: opts.tail } : {}),
    },
    {
      signal: opts.signal,
      onData: (tracked) => {
        queue.push(tracked.data);
        notify();
      },
      onError: (error) => {
        failure = { error };
        notify();
      },
      onConnectionStateChange: (state) => opts.onConnection?.(state.state, state.error),
      onComplete: () => {
        done = true;
        notify();
      },
    },
  );
  const onAbort = () => {
    done = true;
    notify();
  };
  opts.signal?.addEventListener("abort", onAbort);
  try {
    while (true) {
      const next = queue.shift();
      if (next) {
        yield next;
        continue;
      }
      if (failure) throw (failure as { error: unknown }).error;
      if (done || opts.signal?.aborted) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    opts.signal?.removeEventListener("abort", onAbort);
    subscription.unsubscribe();
  }
}

import type { BoardChange, DatabaseUnavailableError, Live } from "./hub";

export type BoardStreamOptions = {
  live: Live;
  /** Only cards of this project. */
  projectId?: string;
  signal?: AbortSignal;
};

/**
 * Board changes as they come, coalesced per task: while the consumer is slow, a task's newer
 * change replaces its older one (the state is kept when the newer one has none), so memory is
 * bounded by the number of tasks. Ends when `signal` aborts; the watcher is removed then.
 * Throws DatabaseUnavailableError when the database goes away; a reconnecting client refetches.
 */
export async function* streamBoardChanges(opts: BoardStreamOptions): AsyncGenerator<BoardChange, void, undefined> {
  const { live, projectId, signal } = opts;
  await live.ready();
  let pending = new Map<string, BoardChange>();
  let resume: (() => void) | null = null;
  const wake = () => {
    const run = resume;
    resume = null;
    run?.();
  };
  const unwatch = live.watchBoard((changes) => {
    for (const change of changes) {
      if (projectId && change.projectId !== projectId) continue;
      const previous = pending.get(change.taskId);
      pending.set(change.taskId, previous?.state && !change.state ? { ...change, state: previous.state } : change);
    }
    if (pending.size > 0) wake();
  });
  // Set by the callback below; no initializer, so TypeScript does not narrow it to "never set".
  let down: DatabaseUnavailableError | undefined;
  const offUnavailable = live.onUnavailable((error) => {
    down = error;
    wake();
  });
  signal?.addEventListener("abort", wake);
  try {
    while (!signal?.aborted) {
      if (down) throw down;
      if (pending.size === 0) {
        await new Promise<void>((resolve) => {
          resume = resolve;
        });
        continue;
      }
      const batch = pending;
      pending = new Map();
      for (const change of batch.values()) {
        if (signal?.aborted) return;
        yield change;
      }
    }
  } finally {
    unwatch();
    offUnavailable();
    signal?.removeEventListener("abort", wake);
  }
}

import { isConnectionError, readEvents, type Queryable, type StoredEvent } from "@wharf/db/pg";
import { DatabaseUnavailableError, type Live } from "./hub";

export type TaskStreamOptions = {
  live: Live;
  db: Queryable;
  taskId: string;
  /**
   * Runs once the stream listens (so nothing committed after it is missed) and returns the seq to
   * start after. Throwing here (e.g. the task does not exist) ends the stream with that error.
   */
  startAfter: () => Promise<number>;
  signal?: AbortSignal;
  /** Rows read per query; the stream only reads the next page when the consumer asks for more. */
  pageSize?: number;
};

/**
 * A task's events in seq order, from `startAfter()` on, then live: listens first, backfills in
 * pages, and after each notification (or reconnect of the LISTEN connection) reads the rows after
 * the last one it gave out. Every seq is given out once, none is skipped (seqs are dense and
 * commit in order per task). Ends when `signal` aborts; the watcher is removed then. Throws
 * DatabaseUnavailableError when the database goes away: the client resumes from its last seq.
 */
export async function* streamTaskEvents(opts: TaskStreamOptions): AsyncGenerator<StoredEvent, void, undefined> {
  const { live, db, taskId, signal } = opts;
  const pageSize = opts.pageSize ?? 500;
  await live.ready();
  if (signal?.aborted) return;

  let last = 0;
  let dirty = true;
  // Set by the callback below; no initializer, so TypeScript does not narrow it to "never set".
  let down: DatabaseUnavailableError | undefined;
  let resume: (() => void) | null = null;
  const wake = () => {
    dirty = true;
    const run = resume;
    resume = null;
    run?.();
  };
  const unwatch = live.watchTask(taskId, (seq) => {
    if (seq === null || seq > last) wake();
  });
  const offUnavailable = live.onUnavailable((error) => {
    down = error;
    wake();
  });
  signal?.addEventListener("abort", wake);
  try {
    last = await unavailableOnConnectionError(opts.startAfter());
    while (!signal?.aborted) {
      if (down) throw down;
      if (!dirty) {
        await new Promise<void>((resolve) => {
          resume = resolve;
        });
        continue;
      }
      dirty = false;
      const rows = await unavailableOnConnectionError(readEvents(db, taskId, { afterSeq: last, limit: pageSize }));
      for (const row of rows) {
        if (signal?.aborted) return;
        last = row.seq;
        yield row;
      }
      if (rows.length === pageSize) dirty = true;
    }
  } finally {
    unwatch();
    offUnavailable();
    signal?.removeEventListener("abort", wake);
  }
}

/** A query that failed because the database is gone becomes DatabaseUnavailableError. */
async function unavailableOnConnectionError<T>(query: Promise<T>): Promise<T> {
  try {
    return await query;
  } catch (error) {
    throw isConnectionError(error) ? new DatabaseUnavailableError(new Date(), error) : error;
  }
}

import os from "node:os";
import type pg from "pg";
import { appendEvents, isConnectionError } from "@wharf/db/pg";
import type { TaskEvent } from "@wharf/api/schemas";
import type { Logger } from "./agents/transport";
import { Slots } from "./slots";

/** Message chunks arriving within this window are merged into one stored event. */
const COALESCE_MS = 12;
const MAX_BATCH = 500;

/** How long a write keeps retrying while the database is unreachable. */
const RETRY_FOR_MS = 60_000;

/**
 * Plain appends of all of one pool's writers (a runner's tasks) run at most this many at once.
 * Each task's writes are in order on its own chain; without a bound, eight streaming tasks held
 * eight connections at once and the pool opened new ones in the middle of a burst (a PostgreSQL
 * backend to fork and a SCRAM exchange on both sides, ~30 ms of CPU each, 2 to 9 per burst in the
 * throughput figure). A write that waits here takes what its task buffered meanwhile.
 */
const APPEND_LANES = Math.max(2, os.availableParallelism());

const lanesOf = new WeakMap<pg.Pool, Slots>();

/** The lanes every writer of `pool` shares. */
function lanesFor(pool: pg.Pool): Slots {
  let lanes = lanesOf.get(pool);
  if (!lanes) lanesOf.set(pool, (lanes = new Slots(APPEND_LANES)));
  return lanes;
}

/** Events a transaction decided to append, and the task state it set, if any. */
export type TransactionEvents = { events?: TaskEvent[]; state?: string };

/**
 * Writes one task's events in order: buffered, consecutive message chunks of one role merged,
 * flushed in batches (one transaction + one NOTIFY per batch). State changes go through the same
 * queue so a status event never overtakes the events before it.
 */
export class EventWriter {
  private buffer: TaskEvent[] = [];
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();
  private failed: unknown = null;
  private readonly lanes: Slots | null;
  /** The last plain append in the chain while it has not begun: later flushes join its batch. */
  private pending: { batch: TaskEvent[]; done: Promise<void> } | null = null;

  /**
   * `ownConnection`: appends take a pool connection of their own instead of one of the shared
   * lanes. For the workspace actions' writers (setup, services, teardown): they write a few events,
   * and may do so while a review action (a push to a slow remote, a forge call) holds the task's
   * row lock, which every append waits for. In a lane, that wait would hold back the events of
   * every task the runner streams, for as long as the push takes.
   */
  constructor(
    private readonly pool: pg.Pool,
    readonly taskId: string,
    private readonly log: Logger,
    opts: { ownConnection?: boolean } = {},
  ) {
    this.lanes = opts.ownConnection ? null : lanesFor(pool);
  }

  push(event: TaskEvent): void {
    const last = this.buffer.at(-1);
    if (event.type === "message" && last?.type === "message" && last.role === event.role && last.text.length < 64_000) {
      last.text += event.text;
    } else {
      this.buffer.push(event.type === "message" ? { ...event } : event);
    }
    if (this.buffer.length >= MAX_BATCH) this.scheduleFlush(0);
    else if (!this.timer) this.scheduleFlush(COALESCE_MS);
  }

  /** Writes everything buffered; resolves when it is committed, rejects when it could not be. */
  flush(): Promise<void> {
    const taken = this.take();
    if (taken.length === 0) return this.chain;
    // Still waiting for its turn (or a lane): this flush joins it, after the events it holds, as
    // long as the batch stays within MAX_BATCH.
    if (this.pending && this.pending.batch.length + taken.length <= MAX_BATCH) {
      this.pending.batch.push(...taken);
      return this.pending.done;
    }
    const entry: { batch: TaskEvent[]; done: Promise<void> } = { batch: taken, done: Promise.resolve() };
    // One statement is its own transaction: no BEGIN and COMMIT around it (they were half of the
    // runner's database round trips and CPU while agents stream).
    entry.done = this.enqueue(
      (client) => appendEvents(client, this.taskId, entry.batch).then(() => undefined),
      {
        single: true,
        begin: () => {
          if (this.pending === entry) this.pending = null;
        },
      },
    );
    this.pending = entry;
    return entry.done;
  }

  /**
   * Writes every buffered event, runs `fn`, and appends `events`, all in one transaction (with
   * `state` in the NOTIFY when given), after every earlier write.
   */
  transaction(
    fn: (client: pg.PoolClient) => Promise<TransactionEvents | void>,
    events: TaskEvent[] = [],
    state?: string,
  ): Promise<void> {
    const batch = this.take();
    // Nothing enqueued after this may join an earlier append: it would overtake these events.
    this.pending = null;
    return this.enqueue(async (client) => {
      if (batch.length > 0) await appendEvents(client, this.taskId, batch);
      const more = await fn(client);
      const all = more?.events ? [...events, ...more.events] : events;
      const newState = more?.state ?? state;
      if (all.length > 0) await appendEvents(client, this.taskId, all, newState ? { state: newState } : undefined);
    });
  }

  private take(): TaskEvent[] {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const batch = this.buffer;
    this.buffer = [];
    return batch;
  }

  private scheduleFlush(ms: number) {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush().catch((error: unknown) => this.log.error("writing task events failed", { taskId: this.taskId, error }));
    }, ms);
  }

  /**
   * Serialises writes; the returned promise carries this write's outcome, the chain never rejects.
   * A write that fails because the database is unreachable (restart, failover) is retried with
   * backoff for up to RETRY_FOR_MS: each write is one transaction, so a retry never doubles it.
   */
  private enqueue(work: (client: pg.PoolClient) => Promise<void>, opts: { single?: boolean; begin?: () => void } = {}): Promise<void> {
    const current = this.chain.then(async () => {
      const deadline = Date.now() + RETRY_FOR_MS;
      for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
        try {
          // A plain append waits for a lane; its batch is closed once it has one.
          if (opts.single) {
            const write = () => {
              opts.begin?.();
              return this.writeOnce(work, true);
            };
            await (this.lanes ? this.lanes.run(write) : write());
          } else {
            await this.writeOnce(work, false);
          }
          return;
        } catch (error) {
          if (!isConnectionError(error) || Date.now() + delay > deadline) {
            this.failed = error;
            throw error;
          }
          this.log.warn("database unreachable; retrying the event write", { taskId: this.taskId, delayMs: delay, error: String(error) });
          await new Promise((resolve) => setTimeout(resolve, delay));
        }
      }
    });
    this.chain = current.then(
      () => undefined,
      () => undefined,
    );
    return current;
  }

  /** Runs `work` in a transaction of its own; `single`: it is one statement, a transaction by itself. */
  private async writeOnce(work: (client: pg.PoolClient) => Promise<void>, single: boolean): Promise<void> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      if (!single) await client.query("BEGIN");
      await work(client);
      if (!single) await client.query("COMMIT");
    } catch (error) {
      broken = isConnectionError(error);
      if (!broken && !single) await client.query("ROLLBACK").catch((rollbackError: unknown) => this.log.error("rollback failed", { rollbackError }));
      throw error;
    } finally {
      // A connection that failed is not given back to the pool.
      client.release(broken);
    }
  }

  get lastError(): unknown {
    return this.failed;
  }
}

import pg from "pg";
import { appRouter, createCallerFactory, createTRPCContext, type Services } from "@wharf/api";
import { CHANNEL_EVENTS, eventsNotifySchema, taskEventSchema, type TaskEvent } from "@wharf/api/schemas";
import { PgListener, readEvents } from "@wharf/db/pg";

export type Received = { seq: number; event: TaskEvent; at: number; wallAt: number };

/** What the figures need from a subscriber. `at` and `wallAt` are taken when an event arrives. */
export type Tap = {
  readonly kind: string;
  watch(taskId: string, onEvent: (e: Received) => void): () => void;
  waitFor(taskId: string, match: (e: Received) => boolean, what: string, timeoutMs?: number): Promise<Received>;
  close(): Promise<void>;
};

/** Resolves with the first event of the task that matches (a shared `waitFor` for both taps). */
function waitFor(tap: Pick<Tap, "watch">, taskId: string, match: (e: Received) => boolean, what: string, timeoutMs = 60_000): Promise<Received> {
  return new Promise((resolve, reject) => {
    let done = false;
    let stop: (() => void) | null = null;
    const timer = setTimeout(() => {
      done = true;
      stop?.();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} of task ${taskId}`));
    }, timeoutMs);
    stop = tap.watch(taskId, (e) => {
      if (done || !match(e)) return;
      done = true;
      clearTimeout(timer);
      // The handler may run while watch() is still returning: unsubscribe on the next tick.
      queueMicrotask(() => stop?.());
      resolve(e);
    });
    if (done) stop();
  });
}

/**
 * The API's own subscriber: the tRPC `task.events` subscription through an in-process caller
 * (the same procedure the web serves over SSE, without the HTTP hop).
 */
export class SubscriptionTap implements Tap {
  readonly kind = "tRPC task.events subscription (in-process caller)";
  constructor(
    private readonly services: Services,
    private readonly token: string,
  ) {}

  watch(taskId: string, onEvent: (e: Received) => void): () => void {
    const controller = new AbortController();
    const ctx = createTRPCContext({ services: this.services, headers: new Headers({ authorization: `Bearer ${this.token}` }), accessToken: this.token });
    const api = createCallerFactory(appRouter)(ctx, { signal: controller.signal });
    void (async () => {
      const stream = await api.task.events({ taskId });
      for await (const item of stream) {
        const at = performance.now();
        const wallAt = Date.now();
        // tracked() items carry the payload as their second element.
        const data = (Array.isArray(item) ? item[1] : item) as { seq: number; event: TaskEvent };
        onEvent({ seq: data.seq, event: data.event, at, wallAt });
      }
    })().catch((error: unknown) => {
      if (!controller.signal.aborted) console.error(`[bench tap] task.events of ${taskId} failed`, error);
    });
    return () => controller.abort();
  }

  waitFor(taskId: string, match: (e: Received) => boolean, what: string, timeoutMs?: number): Promise<Received> {
    return waitFor(this, taskId, match, what, timeoutMs);
  }

  async close(): Promise<void> {}
}

type Watch = { afterSeq: number; reading: boolean; again: boolean; handlers: Set<(e: Received) => void> };

/**
 * A subscriber as the web tier has one: LISTEN on the events channel, then read the new events of
 * the task that was named. `at` is performance.now() and `wallAt` Date.now() when a row arrived.
 */
export class ListenTap implements Tap {
  readonly kind = "LISTEN wharf_events + readEvents";
  private readonly listener: PgListener;
  private readonly pool: pg.Pool;
  private readonly watches = new Map<string, Watch>();

  constructor(databaseUrl: string) {
    this.listener = new PgListener(databaseUrl);
    this.pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
    this.pool.on("error", (error) => console.error("[bench tap] idle client failed", error));
    this.listener.listen(CHANNEL_EVENTS, (payload: string) => {
      let json: unknown;
      try {
        json = JSON.parse(payload);
      } catch {
        return;
      }
      const note = eventsNotifySchema.safeParse(json);
      if (!note.success) return;
      const watch = this.watches.get(note.data.taskId);
      if (watch && note.data.seq > watch.afterSeq) this.pull(note.data.taskId, watch);
    });
  }

  start(): Promise<void> {
    return this.listener.start();
  }

  /** Calls `onEvent` for every event of the task from `afterSeq` on; returns the unsubscribe. */
  watch(taskId: string, onEvent: (e: Received) => void): () => void {
    const afterSeq = 0;
    let watch = this.watches.get(taskId);
    if (!watch) {
      watch = { afterSeq, reading: false, again: false, handlers: new Set() };
      this.watches.set(taskId, watch);
    }
    watch.handlers.add(onEvent);
    this.pull(taskId, watch); // catch up on what happened before the LISTEN saw it
    return () => {
      watch.handlers.delete(onEvent);
      if (watch.handlers.size === 0) this.watches.delete(taskId);
    };
  }

  waitFor(taskId: string, match: (e: Received) => boolean, what: string, timeoutMs?: number): Promise<Received> {
    return waitFor(this, taskId, match, what, timeoutMs);
  }

  private pull(taskId: string, watch: Watch): void {
    if (watch.reading) {
      watch.again = true;
      return;
    }
    watch.reading = true;
    const step = async (): Promise<void> => {
      for (;;) {
        watch.again = false;
        const rows = await readEvents(this.pool, taskId, { afterSeq: watch.afterSeq, limit: 5000 });
        const at = performance.now();
        const wallAt = Date.now();
        for (const row of rows) {
          watch.afterSeq = row.seq;
          const parsed = taskEventSchema.safeParse(row.payload);
          if (!parsed.success) continue;
          for (const handler of [...watch.handlers]) handler({ seq: row.seq, event: parsed.data, at, wallAt });
        }
        if (rows.length < 5000 && !watch.again) return;
      }
    };
    step().then(
      () => {
        watch.reading = false;
      },
      (error: unknown) => {
        watch.reading = false;
        console.error(`[bench tap] reading events of ${taskId} failed`, error);
      },
    );
  }

  async close(): Promise<void> {
    await this.listener.close();
    await this.pool.end();
  }
}

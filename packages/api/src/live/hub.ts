import type pg from "pg";
import { CHANNEL_EVENTS, CHANNEL_RUNNERS, consoleLogger, PgListener, type Logger } from "@wharf/db/pg";
import { blockedTaskStates, eventsNotifySchema, liveTaskStates, taskStateSchema, type TaskState } from "../schemas";
import { listTasksMovedSince, readBoardRows } from "../queries/board-status";
import { statusLine } from "./board-status";

/** Called when a task may have new events: `seq` from the NOTIFY, or null after a reconnect (re-read). */
export type TaskWake = (seq: number | null) => void;

/** One board card that changed: its latest seq, its new state when that changed, a live status line. */
export type BoardChange = {
  taskId: string;
  projectId: string;
  seq: number;
  state?: TaskState;
  status?: string;
};
export type BoardWake = (changes: BoardChange[]) => void;

export type LiveCounts = { tasks: number; taskWatchers: number; boardWatchers: number };

/**
 * The database cannot be reached: the LISTEN connection is gone and reconnecting failed, or the
 * first connection failed. Live streams end with it; new ones are refused until the hub is back.
 */
export class DatabaseUnavailableError extends Error {
  override readonly name = "DatabaseUnavailableError";
  constructor(
    readonly since: Date,
    override readonly cause: unknown,
  ) {
    super(
      `Wharf cannot reach its database (${causeText(cause)}). Live updates resume by themselves once it is back; ` +
        "if it stays down, check that PostgreSQL is running (./wharf start starts the embedded one).",
    );
  }
}

function causeText(cause: unknown): string {
  const text = cause instanceof Error ? cause.message : String(cause);
  // The listener prefixes what it was doing ("reconnect failed: …"); the cause is what helps.
  return text.replace(/^(reconnect failed|connection lost): /, "").slice(0, 200);
}

/** What the API needs from the live layer; `Services.live` carries one per process. */
export interface Live {
  /** Resolves once LISTEN is in effect (connects on first use). */
  ready(): Promise<void>;
  /** Registers `wake` for one task's notifications; the returned function removes it. */
  watchTask(taskId: string, wake: TaskWake): () => void;
  /** Registers for coalesced board changes of every task; the returned function removes it. */
  watchBoard(wake: BoardWake): () => void;
  /** Registers for "a runner registered, beat, stopped, or an agent changed" (wharf_runners), and after a reconnect; returns the remover. */
  watchRunners(wake: () => void): () => void;
  /** Called when the database becomes unreachable (see DatabaseUnavailableError); returns the remover. */
  onUnavailable(handler: (error: DatabaseUnavailableError) => void): () => void;
  counts(): LiveCounts;
  close(): Promise<void>;
}

export type LiveHubOptions = {
  databaseUrl: string;
  pool: Pick<pg.Pool, "query">;
  log?: Logger;
  /** Board changes of one task are sent at most once per this window. */
  coalesceMs?: number;
  /** Reconnect backoff of the LISTEN connection. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
};

type Pending = { seq: number; state?: TaskState };

/**
 * One LISTEN connection per process, fanned out in memory: task watchers by task id, board
 * watchers with changes coalesced per task. After the connection comes back every watcher is woken
 * to re-read from its own last seq, and boards get the tasks that may have changed meanwhile.
 */
export class LiveHub implements Live {
  private readonly listener: PgListener;
  private readonly tasks = new Map<string, Set<TaskWake>>();
  private readonly boards = new Set<BoardWake>();
  private readonly runners = new Set<() => void>();
  private readonly pool: Pick<pg.Pool, "query">;
  private readonly log: Logger;
  private readonly coalesceMs: number;
  private pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private starting: Promise<void> | null = null;
  private lostAt: Date | null = null;
  private unavailable: DatabaseUnavailableError | null = null;
  private readonly unavailableHandlers = new Set<(error: DatabaseUnavailableError) => void>();
  private closed = false;

  constructor(opts: LiveHubOptions) {
    this.pool = opts.pool;
    this.log = opts.log ?? consoleLogger;
    this.coalesceMs = opts.coalesceMs ?? 100;
    this.listener = new PgListener(opts.databaseUrl, {
      log: this.log,
      minBackoffMs: opts.minBackoffMs,
      maxBackoffMs: opts.maxBackoffMs,
    });
    this.listener.listen(CHANNEL_EVENTS, (payload) => this.onNotify(payload));
    this.listener.listen(CHANNEL_RUNNERS, () => {
      for (const wake of [...this.runners]) this.invoke(wake);
    });
    this.listener.onError((error) => {
      if (error.message.startsWith("connection lost")) this.lostAt ??= new Date();
      // A lost connection alone may be a blip (the first reconnect re-reads what was missed); a
      // failed reconnect means the database is down, which subscribers must be told.
      if (error.message.startsWith("reconnect failed") && !this.unavailable) this.markUnavailable(error);
    });
    this.listener.onReconnect(() => this.onReconnect());
  }

  ready(): Promise<void> {
    if (this.closed) return Promise.reject(new Error("The live hub is closed."));
    if (this.unavailable) return Promise.reject(this.unavailable);
    this.starting ??= this.listener.start().catch((error: unknown) => {
      this.starting = null;
      throw new DatabaseUnavailableError(new Date(), error);
    });
    return this.starting;
  }

  onUnavailable(handler: (error: DatabaseUnavailableError) => void): () => void {
    this.unavailableHandlers.add(handler);
    return () => {
      this.unavailableHandlers.delete(handler);
    };
  }

  watchTask(taskId: string, wake: TaskWake): () => void {
    let set = this.tasks.get(taskId);
    if (!set) this.tasks.set(taskId, (set = new Set()));
    set.add(wake);
    return () => {
      const current = this.tasks.get(taskId);
      if (current?.delete(wake) && current.size === 0) this.tasks.delete(taskId);
    };
  }

  watchBoard(wake: BoardWake): () => void {
    this.boards.add(wake);
    return () => {
      this.boards.delete(wake);
    };
  }

  watchRunners(wake: () => void): () => void {
    this.runners.add(wake);
    return () => {
      this.runners.delete(wake);
    };
  }

  counts(): LiveCounts {
    let taskWatchers = 0;
    for (const set of this.tasks.values()) taskWatchers += set.size;
    return { tasks: this.tasks.size, taskWatchers, boardWatchers: this.boards.size };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.listener.close();
    await this.flushing;
  }

  private onNotify(payload: string): void {
    let json: unknown;
    try {
      json = JSON.parse(payload);
    } catch {
      json = null;
    }
    const parsed = eventsNotifySchema.safeParse(json);
    if (!parsed.success) {
      this.log.warn("ignored a malformed task events notification", { payload: payload.slice(0, 200) });
      return;
    }
    const { taskId, seq } = parsed.data;
    const state = taskStateSchema.safeParse(parsed.data.state);
    for (const wake of [...(this.tasks.get(taskId) ?? [])]) this.invoke(() => wake(seq));
    if (this.boards.size > 0) this.queueBoard(taskId, seq, state.success ? state.data : undefined);
  }

  private markUnavailable(cause: unknown): void {
    this.unavailable = new DatabaseUnavailableError(this.lostAt ?? new Date(), cause);
    this.log.warn("the database is unreachable; live streams end until it is back", { error: this.unavailable.message });
    for (const handler of [...this.unavailableHandlers]) this.invoke(() => handler(this.unavailable!));
  }

  private async onReconnect(): Promise<void> {
    if (this.unavailable) this.log.info("the database is reachable again", { downForMs: Date.now() - this.unavailable.since.getTime() });
    this.unavailable = null;
    for (const set of [...this.tasks.values()]) for (const wake of [...set]) this.invoke(() => wake(null));
    for (const wake of [...this.runners]) this.invoke(wake);
    const since = this.lostAt ?? new Date();
    this.lostAt = null;
    if (this.boards.size === 0) return;
    // Tasks that may have moved while nobody listened: live and blocked ones and those updated since the loss.
    for (const row of await listTasksMovedSince(this.pool, [...blockedTaskStates, ...liveTaskStates], since)) {
      const state = taskStateSchema.safeParse(row.state);
      this.queueBoard(row.id, row.lastSeq, state.success ? state.data : undefined);
    }
  }

  private queueBoard(taskId: string, seq: number, state: TaskState | undefined): void {
    const previous = this.pending.get(taskId);
    this.pending.set(taskId, { seq: Math.max(seq, previous?.seq ?? 0), state: state ?? previous?.state });
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flushing = this.flushing.then(() => this.flushBoard());
    }, this.coalesceMs);
  }

  private async flushBoard(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    if (batch.size === 0 || this.boards.size === 0) return;
    let changes: BoardChange[];
    try {
      const rows = await readBoardRows(this.pool, [...batch.keys()]);
      changes = [];
      for (const [taskId, entry] of batch) {
        const info = rows.get(taskId);
        if (!info) continue; // deleted meanwhile
        const status = statusLine(info.recent);
        changes.push({
          taskId,
          projectId: info.projectId,
          seq: entry.seq,
          ...(entry.state ? { state: entry.state } : {}),
          ...(status ? { status } : {}),
        });
      }
    } catch (error) {
      this.log.error("reading board changes failed; the cards catch up with the next change", {
        tasks: batch.size,
        error: error instanceof Error ? error.message : String(error),
      });
      return;
    }
    if (changes.length === 0) return;
    for (const wake of [...this.boards]) this.invoke(() => wake(changes));
  }

  private invoke(run: () => void): void {
    try {
      run();
    } catch (error) {
      this.log.error("a live watcher threw", { error: error instanceof Error ? error.message : String(error) });
    }
  }
}

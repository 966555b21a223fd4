import pg from "pg";
import { consoleLogger, type Logger } from "./logger";

export type NotificationHandler = (payload: string) => void | Promise<void>;
export type ReconnectHandler = () => void | Promise<void>;
export type ListenerErrorHandler = (error: ListenerError) => void;
/** Stops one handler. `ready` settles once the LISTEN is in effect (see `PgListener.listen`). */
export type Unsubscribe = (() => void) & { ready: Promise<void> };

export class ListenerError extends Error {
  override readonly name = "ListenerError";
  constructor(
    message: string,
    readonly context: Record<string, unknown>,
    override readonly cause: unknown,
  ) {
    super(`${message}: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

export type PgListenerOptions = {
  log?: Logger;
  /** First reconnect delay; doubles per failed attempt up to `maxBackoffMs`. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
};

/**
 * One dedicated connection for LISTEN. After the connection is lost it reconnects with capped
 * backoff, issues LISTEN again for every channel, then runs the `onReconnect` handlers so that
 * consumers can read what they may have missed meanwhile.
 */
export class PgListener {
  private readonly handlers = new Map<string, Set<NotificationHandler>>();
  private readonly reconnectHandlers = new Set<ReconnectHandler>();
  private readonly errorHandlers = new Set<ListenerErrorHandler>();
  private readonly log: Logger;
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;
  private client: pg.Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private attempt = 0;
  private started = false;
  private closed = false;

  constructor(
    private readonly url: string,
    opts: PgListenerOptions = {},
  ) {
    this.log = opts.log ?? consoleLogger;
    this.minBackoffMs = opts.minBackoffMs ?? 50;
    this.maxBackoffMs = opts.maxBackoffMs ?? 5_000;
  }

  /** Connects and LISTENs on the channels registered so far. Rejects if the first connection fails. */
  async start(): Promise<void> {
    if (this.started) return;
    if (this.closed) throw new Error("PgListener was closed");
    this.started = true;
    try {
      await this.connect();
    } catch (error) {
      this.started = false;
      throw error;
    }
  }

  /**
   * Calls `handler` with the payload of each notification on `channel`. Before `start()` this only
   * registers; after it, `ready` resolves once LISTEN has run on the live connection (or at once
   * while reconnecting: the reconnect LISTENs again and `onReconnect` covers the gap).
   */
  listen(channel: string, handler: NotificationHandler): Unsubscribe {
    let set = this.handlers.get(channel);
    const first = !set;
    if (!set) this.handlers.set(channel, (set = new Set()));
    set.add(handler);
    const ready = first ? this.command("LISTEN", channel) : Promise.resolve();
    const unsubscribe = () => {
      const current = this.handlers.get(channel);
      if (!current?.delete(handler) || current.size > 0) return;
      this.handlers.delete(channel);
      void this.command("UNLISTEN", channel);
    };
    return Object.assign(unsubscribe, { ready });
  }

  /** Runs after every successful reconnect, once LISTEN is in effect again. */
  onReconnect(handler: ReconnectHandler): () => void {
    this.reconnectHandlers.add(handler);
    return () => this.reconnectHandlers.delete(handler);
  }

  /** Receives every error (lost connection, failed reconnect, a throwing handler); they are logged too. */
  onError(handler: ListenerErrorHandler): () => void {
    this.errorHandlers.add(handler);
    return () => this.errorHandlers.delete(handler);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const client = this.client;
    this.client = null;
    if (client) await client.end();
  }

  private async command(verb: "LISTEN" | "UNLISTEN", channel: string): Promise<void> {
    const client = this.client;
    if (!client) return;
    try {
      await client.query(`${verb} ${client.escapeIdentifier(channel)}`);
    } catch (error) {
      // A lost connection is handled (and reported) by `lost`; the reconnect re-LISTENs.
      if (this.client === client) this.report(`${verb} failed`, error, { channel });
    }
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.url,
      keepAlive: true,
      connectionTimeoutMillis: 10_000,
      application_name: "wharf-listener",
    });
    client.on("notification", (message) => this.dispatch(message.channel, message.payload ?? ""));
    client.on("error", (error) => this.lost(client, error));
    client.on("end", () => this.lost(client, new Error("connection ended")));
    try {
      await client.connect();
      // Channels registered while this runs are picked up by the next round.
      const listening = new Set<string>();
      for (let missing = [...this.handlers.keys()]; missing.length > 0; ) {
        await client.query(missing.map((channel) => `LISTEN ${client.escapeIdentifier(channel)}`).join("; "));
        for (const channel of missing) listening.add(channel);
        missing = [...this.handlers.keys()].filter((channel) => !listening.has(channel));
      }
    } catch (error) {
      await client.end().catch((endError: unknown) => this.report("closing a failed connection failed", endError, {}));
      throw error;
    }
    if (this.closed) {
      await client.end();
      return;
    }
    this.client = client;
  }

  private lost(client: pg.Client, error: unknown): void {
    if (this.client !== client) return;
    this.client = null;
    this.report("connection lost", error, { channels: [...this.handlers.keys()] });
    client.end().catch((endError: unknown) => this.report("closing a lost connection failed", endError, {}));
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.timer) return;
    const base = Math.min(this.maxBackoffMs, this.minBackoffMs * 2 ** this.attempt);
    const delay = Math.round(base * (0.5 + Math.random() * 0.5));
    const attempt = ++this.attempt;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.connect().then(
        () => {
          if (this.closed) return;
          this.attempt = 0;
          this.log.info("LISTEN connection restored", { attempt, channels: [...this.handlers.keys()] });
          for (const handler of [...this.reconnectHandlers]) this.invoke(handler, { during: "onReconnect" });
        },
        (error: unknown) => {
          this.report("reconnect failed", error, { attempt, nextInMs: Math.min(this.maxBackoffMs, base * 2) });
          this.scheduleReconnect();
        },
      );
    }, delay);
  }

  private dispatch(channel: string, payload: string): void {
    const set = this.handlers.get(channel);
    if (!set) return;
    for (const handler of [...set]) this.invoke(() => handler(payload), { channel });
  }

  private invoke(run: () => void | Promise<void>, context: Record<string, unknown>): void {
    try {
      const result = run();
      if (result) result.catch((error: unknown) => this.report("handler failed", error, context));
    } catch (error) {
      this.report("handler failed", error, context);
    }
  }

  private report(message: string, cause: unknown, context: Record<string, unknown>): void {
    const error = new ListenerError(message, context, cause);
    this.log.error(error.message, context);
    for (const handler of [...this.errorHandlers]) {
      try {
        handler(error);
      } catch (handlerError) {
        this.log.error("PgListener error handler threw", { error: String(handlerError) });
      }
    }
  }
}

import type { TaskEvent } from "@wharf/api/schemas";
import type { Logger, PermissionAnswer, PermissionAsk, SessionHooks } from "./transport";

/**
 * Session hooks that record everything, for tests and diagnostics: events in order, log lines,
 * and permission asks answered by a policy (default: the first allow option).
 */
export type RecordedAsk = { ask: PermissionAsk; signal: AbortSignal };
export type PermissionPolicy = (ask: PermissionAsk, signal: AbortSignal) => Promise<PermissionAnswer>;

const allowFirst: PermissionPolicy = async (ask) => {
  const option = ask.options.find((o) => o.kind.startsWith("allow")) ?? ask.options[0];
  return option ? { outcome: "selected", optionId: option.optionId } : { outcome: "cancelled" };
};

export const rejectFirst: PermissionPolicy = async (ask) => {
  const option = ask.options.find((o) => o.kind.startsWith("reject"));
  return option ? { outcome: "selected", optionId: option.optionId } : { outcome: "cancelled" };
};

/** Never answers; settles as cancelled when the signal aborts. */
export const waitForAbort: PermissionPolicy = (_ask, signal) =>
  new Promise((resolve) => {
    if (signal.aborted) resolve({ outcome: "cancelled" });
    signal.addEventListener("abort", () => resolve({ outcome: "cancelled" }), { once: true });
  });

export class RecordingHooks implements SessionHooks {
  readonly events: TaskEvent[] = [];
  readonly asks: RecordedAsk[] = [];
  readonly logs: { level: "info" | "warn" | "error"; msg: string; fields?: object }[] = [];
  private waiters: { test: (e: TaskEvent) => boolean; resolve: (e: TaskEvent) => void }[] = [];
  private askWaiters: ((a: RecordedAsk) => void)[] = [];

  constructor(public policy: PermissionPolicy = allowFirst) {}

  readonly log: Logger = {
    info: (msg, fields) => this.logs.push({ level: "info", msg, ...(fields && { fields }) }),
    warn: (msg, fields) => this.logs.push({ level: "warn", msg, ...(fields && { fields }) }),
    error: (msg, fields) => this.logs.push({ level: "error", msg, ...(fields && { fields }) }),
  };

  onEvent(event: TaskEvent): void {
    this.events.push(event);
    this.waiters = this.waiters.filter((w) => {
      if (!w.test(event)) return true;
      w.resolve(event);
      return false;
    });
  }

  requestPermission(ask: PermissionAsk, signal: AbortSignal): Promise<PermissionAnswer> {
    const recorded = { ask, signal };
    this.asks.push(recorded);
    for (const w of this.askWaiters.splice(0)) w(recorded);
    return this.policy(ask, signal);
  }

  /** Resolves with the first event (already seen or future) that passes `test`. */
  nextEvent(test: (e: TaskEvent) => boolean): Promise<TaskEvent> {
    const seen = this.events.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ test, resolve }));
  }

  nextAsk(): Promise<RecordedAsk> {
    return new Promise((resolve) => this.askWaiters.push(resolve));
  }

  /** Agent text, concatenated. */
  text(role: "agent" | "user" | "thought" = "agent"): string {
    return this.events.flatMap((e) => (e.type === "message" && e.role === role ? [e.text] : [])).join("");
  }

  toolCalls(id: string): TaskEvent[] {
    return this.events.filter((e) => e.type === "tool_call" && e.toolCallId === id);
  }
}

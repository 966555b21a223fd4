import { randomUUID } from "node:crypto";
import type pg from "pg";
import { z } from "zod";
import { closePermission, openPermission, recordRememberedPermission, resumeTask, type PermissionAskRow } from "@wharf/api/lifecycle";
import type { PermissionOption } from "@wharf/api/schemas";
import type { Logger, PermissionAnswer, PermissionAsk } from "./agents/transport";
import type { EventWriter } from "./event-writer";

type Waiter = { taskId: string; resolve: (answer: PermissionAnswer) => void };
type Remembered = "allow" | "reject";

const answerRow = z.object({ state: z.string(), chosen_option: z.string().nullable() });

/**
 * Turns an agent's permission request into a stored PermissionRequest, waits for the first answer
 * from any client (signalled by NOTIFY on the control channel; re-checked in the database after
 * subscribing and after reconnects, so an answer is never missed), and remembers
 * allow_always / reject_always per task and tool kind.
 */
export class PermissionBroker {
  private readonly waiters = new Map<string, Waiter>();
  private readonly remembered = new Map<string, Remembered>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly log: Logger,
  ) {}

  async ask(writer: EventWriter, ask: PermissionAsk, signal: AbortSignal): Promise<PermissionAnswer> {
    const taskId = writer.taskId;
    const kind = ask.toolCall.kind ?? "other";
    const rememberedChoice = this.remembered.get(`${taskId}:${kind}`);
    const auto = rememberedChoice ? pickOption(ask.options, rememberedChoice) : undefined;

    const requestId = randomUUID();
    const requested = {
      type: "permission" as const,
      phase: "requested" as const,
      requestId,
      toolCallId: ask.toolCall.toolCallId,
      ...(ask.toolCall.title ? { title: ask.toolCall.title } : {}),
      ...(ask.toolCall.kind ? { kind: ask.toolCall.kind } : {}),
      options: ask.options,
    };

    const row: PermissionAskRow = {
      requestId,
      taskId,
      toolCallId: ask.toolCall.toolCallId,
      title: ask.toolCall.title ?? null,
      toolKind: kind,
      options: ask.options,
      toolCall: ask.toolCall,
    };

    if (auto) {
      await writer.transaction((client) => recordRememberedPermission(client, row, auto, requested));
      return { outcome: "selected", optionId: auto.optionId };
    }

    const answered = new Promise<PermissionAnswer>((resolve) => this.waiters.set(requestId, { taskId, resolve }));
    try {
      await writer.transaction((client) => openPermission(client, row, requested));
    } catch (error) {
      this.waiters.delete(requestId);
      throw error;
    }

    const onAbort = () => {
      void this.expire(writer, requestId, ask.toolCall.toolCallId, "cancelled");
    };
    signal.addEventListener("abort", onAbort, { once: true });
    if (signal.aborted) onAbort();
    // An answer may have been committed before the waiter was visible to the control listener.
    void this.check(requestId);

    try {
      const answer = await answered;
      if (answer.outcome === "selected") {
        const option = ask.options.find((o) => o.optionId === answer.optionId);
        if (option?.kind === "allow_always") this.remembered.set(`${taskId}:${kind}`, "allow");
        if (option?.kind === "reject_always") this.remembered.set(`${taskId}:${kind}`, "reject");
      }
      await writer.transaction(async (client) => {
        await resumeTask(client, taskId);
      });
      return answer;
    } finally {
      signal.removeEventListener("abort", onAbort);
      this.waiters.delete(requestId);
    }
  }

  /** Called for control notifications: an answer was stored for requestId. */
  notify(requestId: string): void {
    if (this.waiters.has(requestId)) void this.check(requestId);
  }

  /** After a reconnect of the control listener: look at every open request again. */
  recheckAll(): void {
    for (const requestId of this.waiters.keys()) void this.check(requestId);
  }

  /** Answers every pending request of the task with `cancelled` (cancel, shutdown). */
  async cancelTask(writer: EventWriter): Promise<void> {
    const pending = [...this.waiters.entries()].filter(([, w]) => w.taskId === writer.taskId);
    await Promise.all(pending.map(([id]) => this.expire(writer, id, null, "cancelled")));
  }

  forgetTask(taskId: string): void {
    for (const key of this.remembered.keys()) if (key.startsWith(`${taskId}:`)) this.remembered.delete(key);
  }

  private async check(requestId: string): Promise<void> {
    const waiter = this.waiters.get(requestId);
    if (!waiter) return;
    try {
      const { rows } = await this.pool.query(`select state, chosen_option from permission_request where id = $1`, [requestId]);
      if (rows.length === 0) return;
      const row = answerRow.parse(rows[0]);
      if (row.state === "answered" && row.chosen_option) waiter.resolve({ outcome: "selected", optionId: row.chosen_option });
      else if (row.state !== "pending") waiter.resolve({ outcome: "cancelled" });
    } catch (error) {
      this.log.error("reading a permission answer failed", { requestId, error });
    }
  }

  private async expire(writer: EventWriter, requestId: string, toolCallId: string | null, outcome: "cancelled" | "expired") {
    try {
      await writer.transaction(async (client) => {
        await closePermission(client, { taskId: writer.taskId, requestId, outcome, toolCallId });
      });
    } catch (error) {
      this.log.error("closing a permission request failed", { requestId, error });
    }
    this.waiters.get(requestId)?.resolve({ outcome: "cancelled" });
  }
}

function pickOption(options: PermissionOption[], choice: Remembered): PermissionOption | undefined {
  const kinds = choice === "allow" ? ["allow_always", "allow_once"] : ["reject_always", "reject_once"];
  for (const kind of kinds) {
    const option = options.find((o) => o.kind === kind);
    if (option) return option;
  }
  return undefined;
}

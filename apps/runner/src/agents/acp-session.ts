import {
  methods,
  RequestError,
  type ClientConnection,
  type RequestPermissionRequest,
  type RequestPermissionResponse,
} from "@agentclientprotocol/sdk";
import { permissionOptionSchema, type PermissionOption, type TaskEvent } from "@wharf/api/schemas";
import { z } from "zod";
import { terminateGroup } from "../processes/terminate";
import { mapSessionUpdate, permissionToolCall } from "./acp-map";
import { promptResponseSchema } from "./acp-responses";
import type { AgentProcess } from "./agent-process";
import { TerminalManager, type TerminalPlace } from "./terminals";
import {
  AgentError,
  type AgentExit,
  type AgentInfo,
  type AgentSession,
  type PermissionAnswer,
  type SessionHooks,
  type StopReason,
} from "./transport";

const notificationSchema = z.looseObject({ sessionId: z.string(), update: z.unknown() });
const stopReasons = ["end_turn", "max_tokens", "max_turn_requests", "refusal", "cancelled"] as const;
const stopReasonSchema = z.enum(stopReasons);

/** A running ACP session: prompts, cancellation, permission asks, updates → events, shutdown. */
export class AcpSession implements AgentSession {
  sessionId = "";
  info: AgentInfo = { loadSession: false, modes: [], models: [] };
  readonly terminals: TerminalManager;
  connection!: ClientConnection;
  /** While true (session/load replaying history), updates are counted, not delivered. */
  private replaying = false;
  private replayed = 0;
  private readonly ignoredKinds = new Set<string>();
  private readonly asks = new Set<AbortController>();
  private turnRunning = false;
  private turnCancelled = false;
  private closing: Promise<AgentExit> | undefined;

  /** Where its terminals run and log; the same object the TerminalManager reads, changed by bind(). */
  private readonly terminalPlace: TerminalPlace;

  constructor(
    private readonly proc: AgentProcess,
    private hooks: SessionHooks,
    /** The folder fs and terminal requests are confined to: the task's worktree once bound. */
    confinedTo: string,
    /** The environment of the terminals it opens: the task's once bound. */
    terminalEnv: Record<string, string>,
  ) {
    this.terminalPlace = { root: confinedTo, env: terminalEnv, network: proc.spec.network, sandbox: proc.sandbox, onEvent: (e) => this.emit(e), log: hooks.log };
    this.terminals = new TerminalManager(this.terminalPlace);
    proc.interceptor = (message) => this.intercept(message);
    proc.onFailure((failure) => {
      if (failure.kind === "closed") return; // close() cleans up itself
      this.abortAsks();
      void this.terminals.closeAll();
    });
  }

  get root(): string {
    return this.terminalPlace.root;
  }

  /**
   * Hands a pre-started agent (initialized, no session yet) to a task: its events and permission
   * asks go to the task from now on, its fs and terminal requests are confined to `root`, and the
   * terminals it opens get `terminalEnv`.
   */
  bind(hooks: SessionHooks, root: string, terminalEnv: Record<string, string>): void {
    if (this.sessionId) throw new Error("an agent session is already bound to a task");
    this.hooks = hooks;
    Object.assign(this.terminalPlace, { root, env: terminalEnv, log: hooks.log });
  }

  get exited(): Promise<AgentExit> {
    return this.proc.exited;
  }

  private get agentName(): string {
    return this.proc.spec.name;
  }

  emit(event: TaskEvent): void {
    try {
      this.hooks.onEvent(event);
    } catch (error) {
      this.hooks.log.error("task event handler threw; event dropped", { type: event.type, error: String(error) });
    }
  }

  /** Replays during `session/load` are dropped until the next response arrives. */
  beginReplay(): void {
    this.replaying = true;
    this.replayed = 0;
  }

  /** Handles `session/update` notifications synchronously, in arrival order (see stdio-stream). */
  private intercept(message: Record<string, unknown>): boolean {
    if (this.replaying && "id" in message && !("method" in message)) {
      this.replaying = false; // the session/load response: history replay is over
      if (this.replayed > 0) this.hooks.log.info("skipped replayed history", { updates: this.replayed });
      return false;
    }
    if (message.method !== methods.client.session.update || "id" in message) return false;
    if (this.closing) return true; // the owner has let go of this session
    // Checked by hand, as `notificationSchema` would (its error only when it fails): it runs per update.
    const params = message.params as { sessionId?: unknown; update?: unknown } | null | undefined;
    if (typeof params !== "object" || params === null || Array.isArray(params) || typeof params.sessionId !== "string") {
      this.hooks.log.warn("skipped a malformed session/update", { agent: this.agentName, error: notificationSchema.safeParse(message.params).error?.message });
      return true;
    }
    if (this.sessionId && params.sessionId !== this.sessionId) {
      this.hooks.log.warn("skipped an update for another session", { sessionId: params.sessionId });
      return true;
    }
    if (this.replaying) {
      this.replayed++;
      return true;
    }
    const result = mapSessionUpdate(params.update);
    if (result.kind === "events") for (const event of result.events) this.emit(event);
    else if (result.kind === "invalid") {
      this.hooks.log.warn("skipped a malformed session/update", { kind: result.updateKind, reason: result.reason });
    } else if (!this.ignoredKinds.has(result.updateKind)) {
      this.ignoredKinds.add(result.updateKind);
      this.hooks.log.info("ignoring session/update kind", { kind: result.updateKind });
    }
    return true;
  }

  async askPermission(params: RequestPermissionRequest, requestSignal: AbortSignal): Promise<RequestPermissionResponse> {
    const toolCall = permissionToolCall(params.toolCall) ?? {
      type: "tool_call" as const,
      toolCallId: params.toolCall.toolCallId,
      status: "awaiting_permission" as const,
    };
    const options: PermissionOption[] = params.options.slice(0, 20).flatMap((o) => {
      const parsed = permissionOptionSchema.safeParse({ optionId: o.optionId, name: o.name, kind: o.kind });
      return parsed.success ? [parsed.data] : [];
    });
    this.emit(toolCall);
    const answer = await this.answerAsk(toolCall, options, requestSignal);
    const chosen = answer.outcome === "selected" ? options.find((o) => o.optionId === answer.optionId) : undefined;
    this.emit({
      type: "tool_call",
      toolCallId: toolCall.toolCallId,
      status: chosen?.kind.startsWith("allow") ? "in_progress" : "denied",
    });
    return { outcome: answer };
  }

  private async answerAsk(
    toolCall: Parameters<SessionHooks["requestPermission"]>[0]["toolCall"],
    options: PermissionOption[],
    requestSignal: AbortSignal,
  ): Promise<PermissionAnswer> {
    const cancelled = { outcome: "cancelled" } as const;
    if (this.turnCancelled || this.closing || options.length === 0) return cancelled;
    const own = new AbortController();
    this.asks.add(own);
    const signal = AbortSignal.any([own.signal, requestSignal]);
    try {
      const answer = await this.hooks.requestPermission({ toolCall, options }, signal);
      if (signal.aborted) return cancelled;
      if (answer.outcome === "selected" && !options.some((o) => o.optionId === answer.optionId)) {
        this.hooks.log.warn("permission answer names an option the agent did not offer", { optionId: answer.optionId });
        return cancelled;
      }
      return answer.outcome === "selected" ? { outcome: "selected", optionId: answer.optionId } : cancelled;
    } catch (error) {
      if (!signal.aborted) this.hooks.log.error("asking for permission failed", { error: String(error) });
      return cancelled;
    } finally {
      this.asks.delete(own);
    }
  }

  private abortAsks(): void {
    for (const ask of this.asks) ask.abort();
    this.asks.clear();
  }

  async prompt(text: string): Promise<{ stopReason: StopReason }> {
    const refuse = (what: string) => new AgentError({ agentName: this.agentName, stage: "prompt", what });
    if (this.closing) throw refuse("was already stopped");
    const failure = this.proc.failed;
    if (failure?.kind === "exit") {
      throw new AgentError({ agentName: this.agentName, stage: "prompt", what: "is no longer running", exit: failure.exit });
    }
    if (failure) throw this.proc.errorFor("prompt", failure);
    if (this.turnRunning) throw refuse("is still working on the previous prompt");
    this.turnRunning = true;
    this.turnCancelled = false;
    try {
      const request = this.connection.agent.request(methods.agent.session.prompt, {
        sessionId: this.sessionId,
        prompt: [{ type: "text", text }],
      });
      let raw: unknown;
      try {
        raw = await this.proc.guard(request, "prompt");
      } catch (error) {
        if (error instanceof RequestError) throw refuse(`answered the prompt with an error: ${error.message}`);
        throw error;
      }
      const parsed = promptResponseSchema.safeParse(raw);
      if (!parsed.success) {
        throw new AgentError({ agentName: this.agentName, stage: "protocol", what: `answered the prompt with a malformed response (${parsed.error.message})` });
      }
      const stop = stopReasonSchema.safeParse(parsed.data.stopReason);
      if (!stop.success) this.hooks.log.warn("unknown stop reason; treating it as end_turn", { stopReason: parsed.data.stopReason });
      const usage = parsed.data.usage;
      if (usage && (usage.inputTokens != null || usage.outputTokens != null || usage.totalTokens != null)) {
        this.emit({
          type: "usage",
          ...(usage.inputTokens != null && { inputTokens: usage.inputTokens }),
          ...(usage.outputTokens != null && { outputTokens: usage.outputTokens }),
          ...(usage.totalTokens != null && { totalTokens: usage.totalTokens }),
        });
      }
      return { stopReason: stop.success ? stop.data : "end_turn" };
    } finally {
      this.turnRunning = false;
    }
  }

  async cancel(): Promise<void> {
    this.turnCancelled = true;
    this.abortAsks();
    if (this.closing || this.proc.failed || !this.sessionId) return;
    try {
      await this.connection.agent.notify(methods.agent.session.cancel, { sessionId: this.sessionId });
    } catch (error) {
      this.hooks.log.warn("could not send session/cancel", { agent: this.agentName, error: String(error) });
    }
  }

  close(graceMs = 3000): Promise<AgentExit> {
    this.closing ??= this.shutdown(graceMs);
    return this.closing;
  }

  private async shutdown(graceMs: number): Promise<AgentExit> {
    this.proc.fail({ kind: "closed" });
    this.abortAsks();
    await this.terminals.closeAll();
    this.connection.close();
    this.proc.child.stdin.end();
    try {
      await terminateGroup(this.proc.child, graceMs);
    } catch (error) {
      this.hooks.log.error("could not stop every process of the agent", { agent: this.agentName, error: String(error) });
    }
    return this.proc.exited;
  }
}

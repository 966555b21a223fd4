import { isAbsolute, resolve } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import {
  methods,
  type AgentContext,
  type ClientCapabilities,
  type ContentBlock,
  type Implementation,
  type McpServer,
  type SessionUpdate,
  type StopReason,
} from "@agentclientprotocol/sdk";
import type { Scenario, Step } from "./scenario-schema.ts";

type PermissionRecord = {
  turn: number;
  toolCallId: string;
  outcome: "selected" | "cancelled";
  optionId?: string;
  kind?: string;
};

export type SessionState = {
  id: string;
  cwd: string;
  mcpServers: McpServer[];
  meta: Record<string, unknown> | null | undefined;
  modeId: string;
  model: string;
  scenario: Scenario;
  /** Index of the turn the next prompt runs. */
  nextTurn: number;
  /** Aborted by `session/cancel`; set while a prompt runs. */
  running: AbortController | undefined;
  permissions: PermissionRecord[];
};

export type ClientInfo = {
  capabilities: ClientCapabilities;
  info: Implementation | null | undefined;
};

/** Everything a step may use while one prompt runs. */
export type TurnContext = {
  client: AgentContext;
  clientInfo: ClientInfo;
  session: SessionState;
  turn: number;
  prompt: { text: string; blocks: ContentBlock[] };
  /** Aborted when the turn is cancelled. */
  signal: AbortSignal;
  /** Steps to run once the prompt response has been sent. */
  afterResponse: Array<{ delayMs: number; steps: Step[] }>;
  /** Counter for ids the agent makes up (terminal tool calls). */
  nextId: () => number;
};

/** What a step tells the turn: go on, run these steps next, or end with a stop reason. */
export type StepOutcome = undefined | Step[] | StopReason;

export function sendUpdate(ctx: TurnContext, update: SessionUpdate): Promise<void> {
  return ctx.client.notify(methods.client.session.update, { sessionId: ctx.session.id, update });
}

/** A path from a step, absolute (ACP paths are absolute), relative ones taken from the cwd. */
export function sessionPath(ctx: TurnContext, path: string): string {
  return isAbsolute(path) ? path : resolve(ctx.session.cwd, path);
}

/** Waits `ms`; false when the turn was cancelled first. */
export async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  if (ms <= 0) return true;
  try {
    await delay(ms, undefined, { signal });
    return true;
  } catch (error) {
    if (signal.aborted) return false;
    throw error;
  }
}

export { cancelled, unlessCancelled } from "@wharf/native-agent/unless-cancelled";

/** Writes to stderr and resolves once the bytes are handed to the OS. */
export function writeStderr(text: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    process.stderr.write(text, (error) => (error ? reject(error) : resolvePromise()));
  });
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

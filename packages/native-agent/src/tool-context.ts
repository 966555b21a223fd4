import { isAbsolute, relative, resolve } from "node:path";
import {
  methods,
  type AgentContext,
  type ClientCapabilities,
  type SessionUpdate,
  type ToolCallContent,
  type ToolCallLocation,
  type ToolKind,
} from "@agentclientprotocol/sdk";
import { z } from "zod";
import { cancelled, unlessCancelled } from "./unless-cancelled.ts";

/** What a tool may use while it runs: the ACP client (all file and process access goes through it). */
export type ToolContext = {
  client: AgentContext;
  capabilities: ClientCapabilities;
  sessionId: string;
  /** The session's working directory: the task's worktree. */
  cwd: string;
  /** Aborted by `session/cancel`. */
  signal: AbortSignal;
  /** The id the timeline shows for this call (unique within the session). */
  toolCallId: string;
};

/** What the model is told; `cancelled` ends the turn. */
export type ToolOutcome = { text: string } | typeof cancelled;

export { cancelled, unlessCancelled } from "./unless-cancelled.ts";

/** Bounds on what goes back to the model. */
export const resultLimits = { fileChars: 100_000, outputChars: 30_000, outputBytes: 64 * 1024 };

export class ToolInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ToolInputError";
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A path from the model, absolute and inside the session's directory (the client checks again, symlinks too). */
export function sessionPath(ctx: ToolContext, path: string | undefined): { abs: string; rel: string } {
  const abs = resolve(ctx.cwd, path ?? ".");
  const rel = relative(ctx.cwd, abs);
  if (rel === ".." || rel.startsWith(`..${"/"}`) || isAbsolute(rel)) {
    throw new ToolInputError(`${path} is outside the repository (${ctx.cwd}); use a path inside it`);
  }
  return { abs, rel: rel === "" ? "." : rel };
}

function sendUpdate(ctx: ToolContext, update: SessionUpdate): Promise<void> {
  return ctx.client.notify(methods.client.session.update, { sessionId: ctx.sessionId, update });
}

export function text(value: string): ToolCallContent {
  return { type: "content", content: { type: "text", text: value } };
}

export type ToolCallStart = {
  title: string;
  kind: ToolKind;
  status: "pending" | "in_progress" | "failed";
  content?: ToolCallContent[];
  locations?: ToolCallLocation[];
  rawInput?: unknown;
};

export function startToolCall(ctx: ToolContext, call: ToolCallStart): Promise<void> {
  return sendUpdate(ctx, { sessionUpdate: "tool_call", toolCallId: ctx.toolCallId, ...call });
}

export function updateToolCall(
  ctx: ToolContext,
  update: { status: "in_progress" | "completed" | "failed"; content?: ToolCallContent[]; rawOutput?: unknown },
): Promise<void> {
  return sendUpdate(ctx, { sessionUpdate: "tool_call_update", toolCallId: ctx.toolCallId, ...update });
}

const permissionResponseSchema = z.object({
  outcome: z.discriminatedUnion("outcome", [
    z.object({ outcome: z.literal("cancelled") }),
    z.object({ outcome: z.literal("selected"), optionId: z.string() }),
  ]),
});

const permissionOptions = [
  { optionId: "allow", name: "Allow", kind: "allow_once" },
  { optionId: "allow-always", name: "Always allow", kind: "allow_always" },
  { optionId: "reject", name: "Reject", kind: "reject_once" },
] as const;

/** `session/request_permission` for the current tool call. */
export async function askPermission(ctx: ToolContext, call: ToolCallStart): Promise<"allowed" | "rejected" | typeof cancelled> {
  const answer = await unlessCancelled(
    ctx.client.request(methods.client.session.requestPermission, {
      sessionId: ctx.sessionId,
      toolCall: { toolCallId: ctx.toolCallId, ...call, status: "pending" },
      options: permissionOptions.map((o) => ({ ...o })),
    }),
    ctx.signal,
  );
  if (answer === cancelled) return cancelled;
  const parsed = permissionResponseSchema.safeParse(answer);
  if (!parsed.success) throw new Error(`the client answered session/request_permission with a malformed response: ${parsed.error.message}`);
  const outcome = parsed.data.outcome;
  if (outcome.outcome === "cancelled") return cancelled;
  const option = permissionOptions.find((o) => o.optionId === outcome.optionId);
  if (!option) throw new Error(`the client picked permission option "${outcome.optionId}", which was not offered`);
  return option.kind.startsWith("allow") ? "allowed" : "rejected";
}

/** Keeps the start of `value`, saying how much was left out. */
export function clip(value: string, max: number, hint = ""): string {
  if (value.length <= max) return value;
  return `${value.slice(0, max)}\n[… ${value.length - max} more characters not shown${hint ? `; ${hint}` : ""}]`;
}

/** Keeps the end of `value` (command output: the end matters most). */
export function clipStart(value: string, max: number): string {
  if (value.length <= max) return value;
  return `[… the first ${value.length - max} characters are not shown]\n${value.slice(-max)}`;
}

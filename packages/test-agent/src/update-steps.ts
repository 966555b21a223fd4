import type { ToolCallContent, ToolCallLocation } from "@agentclientprotocol/sdk";
import type { StepOf, ToolContent } from "./scenario-schema.ts";
import { pause, sendUpdate, sessionPath, type StepOutcome, type TurnContext } from "./turn-context.ts";

/** Steps that only send `session/update` notifications (and extension notifications). */

export function toolContent(ctx: TurnContext, content: ToolContent[] | undefined): ToolCallContent[] | undefined {
  return content?.map((item): ToolCallContent => {
    switch (item.type) {
      case "text":
        return { type: "content", content: { type: "text", text: item.text } };
      case "diff":
        return { type: "diff", path: sessionPath(ctx, item.path), oldText: item.oldText, newText: item.newText };
      case "terminal":
        return { type: "terminal", terminalId: item.terminalId };
    }
  });
}

export function toolLocations(
  ctx: TurnContext,
  locations: Array<{ path: string; line?: number | undefined }> | undefined,
): ToolCallLocation[] | undefined {
  return locations?.map((l) => ({ path: sessionPath(ctx, l.path), line: l.line }));
}

/** Splits `text` into `count` pieces of near-equal length (never splitting a surrogate pair). */
export function splitText(text: string, count: number): string[] {
  const chars = Array.from(text);
  const n = Math.max(1, Math.min(count, chars.length));
  const pieces: string[] = [];
  for (let i = 0; i < n; i++) {
    pieces.push(chars.slice(Math.floor((i * chars.length) / n), Math.floor(((i + 1) * chars.length) / n)).join(""));
  }
  return pieces;
}

export async function runChunked(
  ctx: TurnContext,
  step: StepOf<"text"> | StepOf<"thought">,
): Promise<StepOutcome> {
  const text = step.text
    .replaceAll("{{prompt}}", ctx.prompt.text)
    .replaceAll("{{mode}}", ctx.session.modeId)
    .replaceAll("{{model}}", ctx.session.model);
  const pieces = splitText(text, step.chunks);
  for (const [i, piece] of pieces.entries()) {
    if (i > 0 && !(await pause(step.delayMs, ctx.signal))) return "cancelled";
    const content = { type: "text" as const, text: piece };
    await sendUpdate(
      ctx,
      step.type === "text"
        ? { sessionUpdate: "agent_message_chunk", content }
        : { sessionUpdate: "agent_thought_chunk", content },
    );
  }
  return undefined;
}

export async function runFlood(ctx: TurnContext, step: StepOf<"flood">): Promise<StepOutcome> {
  const start = performance.now();
  const interval = step.ratePerSecond === undefined ? 0 : 1000 / step.ratePerSecond;
  for (let i = 0; i < step.count; i++) {
    if (interval > 0) {
      const due = start + i * interval - performance.now();
      // Timers cannot wait less than a millisecond: send whatever is due, sleep for the rest.
      if (due >= 1 && !(await pause(Math.floor(due), ctx.signal))) return "cancelled";
    }
    if (ctx.signal.aborted) return "cancelled";
    await sendUpdate(ctx, {
      sessionUpdate: "agent_message_chunk",
      content: { type: "text", text: `flood ${i + 1}/${step.count} t=${Date.now()}\n` },
    });
  }
  return undefined;
}

export async function runUpdateStep(
  ctx: TurnContext,
  step:
    | StepOf<"plan">
    | StepOf<"tool_call">
    | StepOf<"tool_call_update">
    | StepOf<"usage">
    | StepOf<"available_commands">
    | StepOf<"current_mode">
    | StepOf<"session_info">
    | StepOf<"ext_notification">
    | StepOf<"update">
    | StepOf<"duplicate_tool_call">
    | StepOf<"update_unknown_tool_call">,
): Promise<StepOutcome> {
  switch (step.type) {
    case "plan":
      await sendUpdate(ctx, { sessionUpdate: "plan", entries: step.entries });
      return undefined;
    case "tool_call":
      await sendUpdate(ctx, {
        sessionUpdate: "tool_call",
        toolCallId: step.id,
        title: step.title,
        kind: step.kind,
        status: step.status,
        content: toolContent(ctx, step.content),
        locations: toolLocations(ctx, step.locations),
        rawInput: step.rawInput,
      });
      return undefined;
    case "tool_call_update":
      await sendUpdate(ctx, {
        sessionUpdate: "tool_call_update",
        toolCallId: step.id,
        title: step.title,
        kind: step.kind,
        status: step.status,
        content: toolContent(ctx, step.content),
        locations: toolLocations(ctx, step.locations),
        rawOutput: step.rawOutput,
      });
      return undefined;
    case "usage":
      await sendUpdate(ctx, { sessionUpdate: "usage_update", used: step.used, size: step.size, cost: step.cost });
      return undefined;
    case "available_commands":
      await sendUpdate(ctx, {
        sessionUpdate: "available_commands_update",
        availableCommands: step.commands.map((c) => ({
          name: c.name,
          description: c.description,
          input: c.hint === undefined ? undefined : { hint: c.hint },
        })),
      });
      return undefined;
    case "current_mode":
      ctx.session.modeId = step.modeId;
      await sendUpdate(ctx, { sessionUpdate: "current_mode_update", currentModeId: step.modeId });
      return undefined;
    case "session_info":
      await sendUpdate(ctx, { sessionUpdate: "session_info_update", title: step.title, updatedAt: step.updatedAt });
      return undefined;
    case "ext_notification":
      await ctx.client.notify(step.method, { sessionId: ctx.session.id, ...step.params });
      return undefined;
    case "update":
      // Deliberately unchecked: this step exists to send what the schema may not know.
      await ctx.client.notify("session/update", { sessionId: ctx.session.id, update: step.update });
      return undefined;
    case "duplicate_tool_call": {
      await sendUpdate(ctx, {
        sessionUpdate: "tool_call",
        toolCallId: step.id,
        title: step.title,
        kind: step.kind,
        status: "pending",
      });
      const path = sessionPath(ctx, step.path);
      await sendUpdate(ctx, {
        sessionUpdate: "tool_call",
        toolCallId: step.id,
        title: step.title,
        kind: step.kind,
        status: "pending",
        content: [{ type: "diff", path, oldText: step.oldText, newText: step.newText }],
        locations: [{ path }],
      });
      return undefined;
    }
    case "update_unknown_tool_call":
      await sendUpdate(ctx, {
        sessionUpdate: "tool_call_update",
        toolCallId: step.id,
        title: step.title,
        status: step.status,
        content: toolContent(ctx, step.content),
      });
      return undefined;
  }
}

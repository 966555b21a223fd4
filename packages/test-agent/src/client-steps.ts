import { methods, type TerminalHandle } from "@agentclientprotocol/sdk";
import { z } from "zod";
import { MissingCapabilityError, StepFailedError, UnknownPermissionOptionError } from "./errors.ts";
import type { PermissionOptionSpec, StepOf } from "./scenario-schema.ts";
import {
  cancelled,
  errorMessage,
  sendUpdate,
  sessionPath,
  unlessCancelled,
  writeStderr,
  type StepOutcome,
  type TurnContext,
} from "./turn-context.ts";
import { toolContent, toolLocations } from "./update-steps.ts";

/** Steps that call the client: permission, fs, terminal. */

const defaultPermissionOptions: PermissionOptionSpec[] = [
  { optionId: "allow", name: "Allow", kind: "allow_once" },
  { optionId: "allow-always", name: "Always allow", kind: "allow_always" },
  { optionId: "reject", name: "Reject", kind: "reject_once" },
];

// Responses cross a process boundary: parse them rather than trust the types.
const permissionResponseSchema = z.object({
  outcome: z.discriminatedUnion("outcome", [
    z.object({ outcome: z.literal("cancelled") }),
    z.object({ outcome: z.literal("selected"), optionId: z.string() }),
  ]),
});
const readResponseSchema = z.object({ content: z.string() });
const exitResponseSchema = z.object({ exitCode: z.number().nullish(), signal: z.string().nullish() });
const outputResponseSchema = z.object({ output: z.string(), truncated: z.boolean() });

function parseResponse<T>(schema: z.ZodType<T>, value: unknown, step: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new StepFailedError(step, new Error(`malformed response: ${parsed.error.message}`));
  return parsed.data;
}

export async function runPermission(ctx: TurnContext, step: StepOf<"permission">): Promise<StepOutcome> {
  const options = step.options ?? defaultPermissionOptions;
  const request = ctx.client.request(methods.client.session.requestPermission, {
    sessionId: ctx.session.id,
    toolCall: {
      toolCallId: step.toolCallId,
      title: step.title,
      kind: step.kind,
      status: "pending",
      content: toolContent(ctx, step.content),
      locations: toolLocations(ctx, step.locations),
    },
    options,
  });
  const answer = await unlessCancelled(request, ctx.signal);
  if (answer === cancelled) {
    ctx.session.permissions.push({ turn: ctx.turn, toolCallId: step.toolCallId, outcome: "cancelled" });
    return "cancelled";
  }
  const { outcome } = parseResponse(permissionResponseSchema, answer, "permission");
  if (outcome.outcome === "cancelled") {
    ctx.session.permissions.push({ turn: ctx.turn, toolCallId: step.toolCallId, outcome: "cancelled" });
    return "cancelled";
  }
  const option = options.find((o) => o.optionId === outcome.optionId);
  if (!option) {
    throw new UnknownPermissionOptionError(
      outcome.optionId,
      options.map((o) => o.optionId),
    );
  }
  ctx.session.permissions.push({
    turn: ctx.turn,
    toolCallId: step.toolCallId,
    outcome: "selected",
    optionId: option.optionId,
    kind: option.kind,
  });
  return (option.kind.startsWith("allow") ? step.onAllow : step.onReject) ?? [];
}

/** With `onError: "continue"` a failed request is reported as agent text and the turn goes on. */
async function failOrContinue(
  ctx: TurnContext,
  step: StepOf<"read_file"> | StepOf<"write_file"> | StepOf<"terminal">,
  error: unknown,
): Promise<StepOutcome> {
  if (step.onError === "fail") throw new StepFailedError(step.type, error);
  const what = step.type === "terminal" ? step.command : step.path;
  await sendUpdate(ctx, {
    sessionUpdate: "agent_message_chunk",
    content: { type: "text", text: `${step.type} ${what} failed: ${errorMessage(error)}\n` },
  });
  return undefined;
}

export async function runReadFile(ctx: TurnContext, step: StepOf<"read_file">): Promise<StepOutcome> {
  if (ctx.clientInfo.capabilities.fs?.readTextFile !== true) {
    throw new MissingCapabilityError("fs.readTextFile", step.type);
  }
  const path = sessionPath(ctx, step.path);
  let answer: unknown;
  try {
    answer = await unlessCancelled(
      ctx.client.request(methods.client.fs.readTextFile, {
        sessionId: ctx.session.id,
        path,
        line: step.line,
        limit: step.limit,
      }),
      ctx.signal,
    );
  } catch (error) {
    return failOrContinue(ctx, step, error);
  }
  if (answer === cancelled) return "cancelled";
  const { content } = parseResponse(readResponseSchema, answer, step.type);
  if (step.echo) {
    await sendUpdate(ctx, {
      sessionUpdate: "agent_message_chunk",
      content: { type: "text", text: `Read ${step.path}: ${content}` },
    });
  }
  return undefined;
}

export async function runWriteFile(ctx: TurnContext, step: StepOf<"write_file">): Promise<StepOutcome> {
  if (ctx.clientInfo.capabilities.fs?.writeTextFile !== true) {
    throw new MissingCapabilityError("fs.writeTextFile", step.type);
  }
  let answer: unknown;
  try {
    answer = await unlessCancelled(
      ctx.client.request(methods.client.fs.writeTextFile, {
        sessionId: ctx.session.id,
        path: sessionPath(ctx, step.path),
        content: step.content,
      }),
      ctx.signal,
    );
  } catch (error) {
    return failOrContinue(ctx, step, error);
  }
  return answer === cancelled ? "cancelled" : undefined;
}

async function releaseTerminal(terminal: TerminalHandle): Promise<void> {
  try {
    await terminal.release();
  } catch (error) {
    await writeStderr(`wharf-test-agent: terminal/release ${terminal.id} failed: ${errorMessage(error)}\n`);
  }
}

/** terminal/create → tool call embedding it → wait_for_exit → output → release. */
export async function runTerminal(ctx: TurnContext, step: StepOf<"terminal">): Promise<StepOutcome> {
  if (ctx.clientInfo.capabilities.terminal !== true) {
    throw new MissingCapabilityError("terminal", step.type);
  }
  const toolCallId = step.toolCallId ?? `terminal-${ctx.turn}-${ctx.nextId()}`;
  let created;
  try {
    created = await unlessCancelled(
      ctx.client.createTerminal({
        sessionId: ctx.session.id,
        command: step.command,
        args: step.args,
        cwd: step.cwd === undefined ? ctx.session.cwd : sessionPath(ctx, step.cwd),
        env: step.env === undefined ? undefined : Object.entries(step.env).map(([name, value]) => ({ name, value })),
        outputByteLimit: step.outputByteLimit,
      }),
      ctx.signal,
    );
  } catch (error) {
    return failOrContinue(ctx, step, error);
  }
  if (created === cancelled) return "cancelled";
  const terminal = created;
  try {
    await sendUpdate(ctx, {
      sessionUpdate: "tool_call",
      toolCallId,
      title: step.title ?? [step.command, ...step.args].join(" "),
      kind: "execute",
      status: "in_progress",
      content: [{ type: "terminal", terminalId: terminal.id }],
      rawInput: { command: step.command, args: step.args },
    });
    const killTimer =
      step.killAfterMs === undefined
        ? undefined
        : setTimeout(() => {
            terminal.kill().catch((error: unknown) =>
              writeStderr(`wharf-test-agent: terminal/kill ${terminal.id} failed: ${errorMessage(error)}\n`),
            );
          }, step.killAfterMs);
    const exited = await unlessCancelled(terminal.waitForExit(), ctx.signal).finally(() => clearTimeout(killTimer));
    if (exited === cancelled) {
      await terminal.kill().catch((error: unknown) =>
        writeStderr(`wharf-test-agent: terminal/kill ${terminal.id} failed: ${errorMessage(error)}\n`),
      );
      return "cancelled";
    }
    const exit = parseResponse(exitResponseSchema, exited, "terminal/wait_for_exit");
    const output = parseResponse(outputResponseSchema, await terminal.currentOutput(), "terminal/output");
    await sendUpdate(ctx, {
      sessionUpdate: "tool_call_update",
      toolCallId,
      status: exit.exitCode === 0 ? "completed" : "failed",
      rawOutput: { exitCode: exit.exitCode, signal: exit.signal, output: output.output, truncated: output.truncated },
    });
    if (step.echo) {
      await sendUpdate(ctx, { sessionUpdate: "agent_message_chunk", content: { type: "text", text: output.output } });
    }
    return undefined;
  } finally {
    await releaseTerminal(terminal);
  }
}

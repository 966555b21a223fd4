import { RequestError, type StopReason } from "@agentclientprotocol/sdk";
import { runPermission, runReadFile, runTerminal, runWriteFile } from "./client-steps.ts";
import { runMcpStep } from "./mcp-steps.ts";
import { runProcessStep } from "./process-steps.ts";
import type { Step } from "./scenario-schema.ts";
import { errorMessage, pause, writeStderr, type StepOutcome, type TurnContext } from "./turn-context.ts";
import { runChunked, runFlood, runUpdateStep } from "./update-steps.ts";

function runStep(ctx: TurnContext, step: Step): Promise<StepOutcome> {
  switch (step.type) {
    case "text":
    case "thought":
      return runChunked(ctx, step);
    case "flood":
      return runFlood(ctx, step);
    case "plan":
    case "tool_call":
    case "tool_call_update":
    case "usage":
    case "available_commands":
    case "current_mode":
    case "session_info":
    case "ext_notification":
    case "update":
    case "duplicate_tool_call":
    case "update_unknown_tool_call":
      return runUpdateStep(ctx, step);
    case "permission":
      return runPermission(ctx, step);
    case "read_file":
      return runReadFile(ctx, step);
    case "write_file":
      return runWriteFile(ctx, step);
    case "terminal":
      return runTerminal(ctx, step);
    case "write_file_direct":
    case "hang":
    case "ignore_sigterm":
    case "exit":
    case "garbage":
    case "stderr":
    case "env_dump":
    case "spawn_detached":
    case "record":
      return runProcessStep(ctx, step);
    case "mcp":
      return runMcpStep(ctx, step);
    case "sleep":
      return pause(step.ms, ctx.signal).then((slept) => (slept ? undefined : "cancelled"));
    case "stop":
      return Promise.resolve(step.stopReason);
    case "error":
      return Promise.reject(new RequestError(step.code, step.message));
    case "after_response":
      ctx.afterResponse.push({ delayMs: step.delayMs, steps: step.steps });
      return Promise.resolve(undefined);
  }
}

/** Runs steps in order, branches inline; undefined when they ran out without ending the turn. */
async function runStepList(ctx: TurnContext, steps: Step[]): Promise<StopReason | undefined> {
  for (const step of steps) {
    // `hang` ignores cancellation; everything else ends promptly once the turn is cancelled.
    if (ctx.signal.aborted && step.type !== "hang") return "cancelled";
    const outcome = await runStep(ctx, step);
    if (Array.isArray(outcome)) {
      const reason = await runStepList(ctx, outcome);
      if (reason !== undefined) return reason;
    } else if (outcome !== undefined) {
      return outcome;
    }
  }
  return undefined;
}

/** Runs a turn's steps until one ends it; `end_turn` (or `cancelled`) when none does. */
export async function runSteps(ctx: TurnContext, steps: Step[]): Promise<StopReason> {
  const reason = await runStepList(ctx, steps);
  return reason ?? (ctx.signal.aborted ? "cancelled" : "end_turn");
}

/** Schedules the turn's `after_response` steps; call once the prompt handler has returned. */
export function scheduleAfterResponse(ctx: TurnContext): void {
  for (const { delayMs, steps } of ctx.afterResponse) {
    const afterCtx: TurnContext = { ...ctx, signal: new AbortController().signal, afterResponse: [] };
    setTimeout(() => {
      runSteps(afterCtx, steps).catch((error: unknown) =>
        writeStderr(`wharf-test-agent: after_response steps failed: ${errorMessage(error)}\n`),
      );
    }, delayMs);
  }
}

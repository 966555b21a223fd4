import type { TerminalHandle } from "@agentclientprotocol/sdk";
import { z } from "zod";
import type { ToolArgs } from "./tools.ts";
import {
  askPermission,
  cancelled,
  clipStart,
  errorMessage,
  resultLimits,
  sessionPath,
  startToolCall,
  text,
  unlessCancelled,
  updateToolCall,
  type ToolCallStart,
  type ToolContext,
  type ToolOutcome,
} from "./tool-context.ts";

/**
 * list_files, search_files and run_command, through the client's `terminal/*`: the client runs
 * them in the worktree with its scrubbed environment. Listing and searching run fixed git
 * commands (the model's input only ever becomes arguments after `-e`/`--`), so they need no
 * permission; run_command runs what the model wrote and asks first.
 */

const exitSchema = z.object({ exitCode: z.number().nullish(), signal: z.string().nullish() });
const outputSchema = z.object({ output: z.string(), truncated: z.boolean() });
const defaultCommandSeconds = 120;
const searchSeconds = 60;

type Ran = { exitCode: number | null; signal: string | null; output: string; truncated: boolean; timedOut: boolean };

async function release(terminal: TerminalHandle): Promise<void> {
  try {
    await terminal.release();
  } catch (error) {
    process.stderr.write(`wharf-native-agent: terminal/release ${terminal.id} failed: ${errorMessage(error)}\n`);
  }
}

async function kill(terminal: TerminalHandle): Promise<void> {
  try {
    await terminal.kill();
  } catch (error) {
    process.stderr.write(`wharf-native-agent: terminal/kill ${terminal.id} failed: ${errorMessage(error)}\n`);
  }
}

/** Runs one command in a client terminal shown in the tool call; bounded in time and output. */
async function runInTerminal(ctx: ToolContext, command: string, args: string[], seconds: number): Promise<Ran | typeof cancelled> {
  if (ctx.capabilities.terminal !== true) throw new Error("the client does not let agents run commands (terminal)");
  const created = await unlessCancelled(
    ctx.client.createTerminal({ sessionId: ctx.sessionId, command, args, cwd: ctx.cwd, outputByteLimit: resultLimits.outputBytes }),
    ctx.signal,
  );
  if (created === cancelled) return cancelled;
  const terminal = created;
  try {
    await updateToolCall(ctx, { status: "in_progress", content: [{ type: "terminal", terminalId: terminal.id }] });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      void kill(terminal);
    }, seconds * 1000);
    const exited = await unlessCancelled(terminal.waitForExit(), ctx.signal).finally(() => clearTimeout(timer));
    if (exited === cancelled) {
      await kill(terminal);
      return cancelled;
    }
    const exit = exitSchema.safeParse(exited);
    const output = outputSchema.safeParse(await terminal.currentOutput());
    if (!exit.success || !output.success) throw new Error("the client answered terminal/wait_for_exit or terminal/output with a malformed response");
    return { exitCode: exit.data.exitCode ?? null, signal: exit.data.signal ?? null, ...output.data, timedOut };
  } finally {
    await release(terminal);
  }
}

function describe(ran: Ran, seconds: number): string {
  const how = ran.timedOut ? `was stopped after ${seconds} s` : ran.signal ? `was killed by ${ran.signal}` : `exited with code ${ran.exitCode}`;
  const cut = ran.truncated ? " (only the end of its output was kept)" : "";
  return `The command ${how}${cut}.`;
}

function rawOutput(ran: Ran) {
  return { exitCode: ran.exitCode, signal: ran.signal, truncated: ran.truncated, timedOut: ran.timedOut };
}

async function readOnly(ctx: ToolContext, call: ToolCallStart, argv: string[], none: string): Promise<ToolOutcome> {
  await startToolCall(ctx, call);
  let ran: Ran | typeof cancelled;
  try {
    ran = await runInTerminal(ctx, "git", argv, searchSeconds);
  } catch (error) {
    await updateToolCall(ctx, { status: "failed", content: [text(errorMessage(error))] });
    return { text: `Error: ${errorMessage(error)}` };
  }
  if (ran === cancelled) return cancelled;
  // git grep exits 1 when nothing matched: an answer, not a failure.
  const ok = ran.exitCode === 0 || (ran.exitCode === 1 && ran.output.trim() === "");
  await updateToolCall(ctx, { status: ok ? "completed" : "failed", rawOutput: rawOutput(ran) });
  if (!ok) return { text: `Error: ${describe(ran, searchSeconds)}\n${clipStart(ran.output, resultLimits.outputChars)}` };
  if (ran.output.trim() === "") return { text: none };
  const cut = ran.truncated ? "[The list is long and its start was cut; narrow it with path.]\n" : "";
  return { text: cut + clipStart(ran.output, resultLimits.outputChars) };
}

export function listFiles(ctx: ToolContext, args: ToolArgs<"list_files">): Promise<ToolOutcome> {
  const { abs, rel } = sessionPath(ctx, args.path || ".");
  return readOnly(
    ctx,
    { title: rel === "." ? "List files" : `List files in ${rel}`, kind: "search", status: "in_progress", locations: [{ path: abs }], rawInput: args },
    ["ls-files", "--cached", "--others", "--exclude-standard", "--", rel],
    `No files under ${rel}.`,
  );
}

export function searchFiles(ctx: ToolContext, args: ToolArgs<"search_files">): Promise<ToolOutcome> {
  const { abs, rel } = sessionPath(ctx, args.path || ".");
  return readOnly(
    ctx,
    { title: `Search for ${args.pattern}${rel === "." ? "" : ` in ${rel}`}`, kind: "search", status: "in_progress", locations: [{ path: abs }], rawInput: args },
    ["grep", "-n", "-I", "--untracked", "-E", ...(args.ignore_case ? ["-i"] : []), "-e", args.pattern, "--", rel],
    `No matches for ${args.pattern} under ${rel}.`,
  );
}

export async function runCommand(ctx: ToolContext, args: ToolArgs<"run_command">): Promise<ToolOutcome> {
  const seconds = args.timeout_seconds ?? defaultCommandSeconds;
  const title = args.command.length > 200 ? `${args.command.slice(0, 200)}…` : args.command;
  const call: ToolCallStart = { title, kind: "execute", status: "pending", rawInput: { command: args.command } };
  await startToolCall(ctx, call);
  const answer = await askPermission(ctx, call);
  if (answer === cancelled) return cancelled;
  if (answer === "rejected") {
    await updateToolCall(ctx, { status: "failed", content: [text("The user refused to run this command.")] });
    return { text: "The user refused permission to run this command; it did not run. Do not try to run it another way." };
  }
  let ran: Ran | typeof cancelled;
  try {
    ran = await runInTerminal(ctx, "/bin/sh", ["-c", args.command], seconds);
  } catch (error) {
    await updateToolCall(ctx, { status: "failed", content: [text(errorMessage(error))] });
    return { text: `Error: the command could not be run: ${errorMessage(error)}` };
  }
  if (ran === cancelled) return cancelled;
  await updateToolCall(ctx, { status: ran.exitCode === 0 ? "completed" : "failed", rawOutput: rawOutput(ran) });
  return { text: `${describe(ran, seconds)}\n${clipStart(ran.output, resultLimits.outputChars)}` };
}

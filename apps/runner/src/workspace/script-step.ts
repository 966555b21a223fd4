import { randomUUID } from "node:crypto";
import type { TaskEvent, ToolContent } from "@wharf/api/schemas";
import { TerminalError, TerminalManager } from "../agents/terminals";
import type { Logger } from "../agents/transport";

/**
 * A project's setup or teardown script, run in a task's worktree as one step of its timeline: a
 * `tool_call` (kind `execute`) whose content is the script's terminal, so its output streams as
 * `terminal_output` events like any command an agent runs. The script runs with `sh -c` through
 * the terminals' spawn path (its own process group, the OS sandbox with the worktree and the
 * project's cache writable); when it ends, at its time limit or on cancel, whatever it started is
 * stopped with it (SIGTERM, SIGKILL after the grace period).
 */

type ScriptKind = "setup" | "teardown";

export type ScriptStepOptions = {
  kind: ScriptKind;
  script: string;
  worktree: string;
  env: Record<string, string>;
  /** Folders the script may write in besides the worktree (the project's cache). */
  writable: readonly string[];
  network: boolean;
  timeoutMs: number;
  graceMs: number;
  /** Aborting stops the script (cancel). */
  signal?: AbortSignal | undefined;
  /** Lines shown above the output (which files were copied, which were skipped and why). */
  notes?: readonly string[] | undefined;
  onEvent(event: TaskEvent): void;
  log: Logger;
};

export type ScriptStepResult =
  | { ok: true; durationMs: number }
  | { ok: false; reason: "exit" | "timeout" | "cancelled" | "start"; message: string; tail: string; durationMs: number };

/** The end of the output kept for a failed task's error detail. */
const TAIL_CHARS = 4000;

const titles = {
  setup: { running: "Setting up…", done: "Setup finished", name: "The setup script" },
  teardown: { running: "Tearing down…", done: "Teardown finished", name: "The teardown script" },
} as const;

export async function runScriptStep(opts: ScriptStepOptions): Promise<ScriptStepResult> {
  const started = performance.now();
  const toolCallId = `wharf-${opts.kind}-${randomUUID()}`;
  const title = titles[opts.kind];
  const notes: ToolContent[] = opts.notes && opts.notes.length > 0 ? [{ type: "text", text: opts.notes.join("\n") }] : [];
  const terminals = new TerminalManager({
    root: opts.worktree,
    env: opts.env,
    network: opts.network,
    writable: opts.writable,
    killGraceMs: opts.graceMs,
    onEvent: opts.onEvent,
    log: opts.log,
  });
  const elapsed = () => Math.round(performance.now() - started);
  const fail = (reason: "exit" | "timeout" | "cancelled" | "start", message: string, tail: string, terminalId?: string): ScriptStepResult => {
    opts.onEvent({
      type: "tool_call",
      toolCallId,
      title: message,
      kind: "execute",
      status: "failed",
      ...(terminalId ? {} : { content: [...notes, { type: "text", text: message }] }),
      rawOutput: { reason, durationMs: elapsed() },
    });
    return { ok: false, reason, message, tail, durationMs: elapsed() };
  };

  if (opts.signal?.aborted) return fail("cancelled", `${title.name} was not run: the task was cancelled.`, "");
  let terminalId: string;
  try {
    terminalId = await terminals.create({ command: "/bin/sh", args: ["-c", opts.script] });
  } catch (error) {
    if (!(error instanceof TerminalError)) throw error;
    return fail("start", `${title.name} could not start: ${error.message}`, "");
  }
  opts.onEvent({
    type: "tool_call",
    toolCallId,
    title: title.running,
    kind: "execute",
    status: "in_progress",
    content: [...notes, { type: "terminal", terminalId }],
    rawInput: { command: opts.script },
  });

  let stopped: "timeout" | "cancelled" | null = null;
  const stop = (why: "timeout" | "cancelled") => {
    if (stopped) return;
    stopped = why;
    terminals.kill(terminalId).catch((error: unknown) => opts.log.error(`stopping the ${opts.kind} script failed`, { error }));
  };
  const timer = setTimeout(() => stop("timeout"), opts.timeoutMs);
  const onAbort = () => stop("cancelled");
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const exit = await terminals.waitForExit(terminalId);
    const tail = tailOf(terminals.output(terminalId).output);
    if (stopped === "timeout") return fail("timeout", `${title.name} did not finish within ${formatSeconds(opts.timeoutMs)} and was stopped.`, tail, terminalId);
    if (stopped === "cancelled") return fail("cancelled", `${title.name} was stopped: the task was cancelled.`, tail, terminalId);
    if (exit.exitCode !== 0) {
      const how = exit.exitCode === null ? `was ended by ${exit.signal ?? "a signal"}` : `exited with code ${exit.exitCode}`;
      return fail("exit", `${title.name} ${how}.`, tail, terminalId);
    }
    opts.onEvent({ type: "tool_call", toolCallId, title: `${title.done} in ${formatSeconds(elapsed())}`, status: "completed", rawOutput: { exitCode: 0, durationMs: elapsed() } });
    return { ok: true, durationMs: elapsed() };
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener("abort", onAbort);
    // What the script left running in its process group (a server started with &) goes too.
    await terminals.closeAll();
  }
}

function tailOf(output: string): string {
  return output.length > TAIL_CHARS ? output.slice(-TAIL_CHARS) : output;
}

function formatSeconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

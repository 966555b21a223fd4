import { randomUUID } from "node:crypto";
import { statSync } from "node:fs";
import { checkCommand } from "@wharf/common";
import { spawnPtyInGroup, type PtyChild } from "../processes/spawn";
import { terminateGroup } from "../processes/terminate";
import type { Sandbox } from "../sandbox";
import { plainText, ptyInvocation } from "./pty-prompt";
import { TerminalStream } from "./terminal-stream";
import {
  AgentError,
  type AgentExit,
  type AgentInfo,
  type AgentSession,
  type AgentTransport,
  type SessionTerminal,
  type StartOptions,
  type StopReason,
} from "./transport";

/**
 * A CLI agent without ACP, run in a pseudo-terminal in the worktree. Each prompt runs the command
 * once (see pty-prompt.ts for how the prompt reaches it); what it writes to the terminal becomes
 * `terminal_output` events on the terminal `ptyTerminalId`; exit code 0 ends the turn, anything
 * else fails it. There is no conversation to resume: a follow-up runs the command again in the
 * same worktree (`loadSession: false`).
 */

export const ptyTerminalId = "pty";
const defaultSize = { cols: 120, rows: 32 };
/** How long a cancelled run gets between SIGTERM and SIGKILL. */
const cancelGraceMs = 2000;
/** After the program exits, what is left of its process group gets this long. */
const leftoverGraceMs = 500;

class PtySession implements AgentSession {
  readonly sessionId: string;
  readonly info: AgentInfo;
  readonly exited: Promise<AgentExit>;
  readonly terminal: SessionTerminal;
  private child: PtyChild | null = null;
  private size = { ...defaultSize };
  private cancelled = false;
  private closed = false;
  private lastExit: AgentExit = { code: null, signal: null, stderrTail: "" };
  private resolveExited: (exit: AgentExit) => void = () => {};

  constructor(
    private readonly opts: StartOptions,
    private readonly sandbox: Sandbox | undefined,
  ) {
    // Nothing to resume, but the task keeps one id for its terminal across follow-ups.
    this.sessionId = opts.resumeSessionId ?? `pty-${randomUUID()}`;
    this.info = { name: opts.agent.name, loadSession: false, modes: [], models: [] };
    this.exited = new Promise((resolve) => (this.resolveExited = resolve));
    const log = opts.hooks.log;
    this.terminal = {
      write: (data) => {
        const child = this.child;
        if (!child || child.exitCode !== null || child.signalCode !== null) return;
        child.pty.write(data);
      },
      resize: (cols, rows) => {
        this.size = { cols, rows };
        const child = this.child;
        if (!child || child.exitCode !== null || child.signalCode !== null) return;
        try {
          child.pty.resize(cols, rows);
        } catch (error) {
          log.warn("resizing the agent's terminal failed", { agent: opts.agent.name, error: String(error) });
        }
      },
    };
  }

  async prompt(text: string): Promise<{ stopReason: StopReason }> {
    const { agent, hooks } = this.opts;
    if (this.closed) throw new AgentError({ agentName: agent.name, stage: "prompt", what: "was stopped before it finished" });
    if (this.child) throw new AgentError({ agentName: agent.name, stage: "prompt", what: "is still running its previous turn" });
    this.cancelled = false;
    const { args, typed } = ptyInvocation(agent.args, text);
    const stream = new TerminalStream({ terminalId: ptyTerminalId, emit: (event) => hooks.onEvent(event) });
    let child: PtyChild;
    try {
      child = spawnPtyInGroup(agent.command, args, { cwd: this.opts.cwd, env: this.opts.env, network: agent.network, sandbox: this.sandbox, ...this.size });
    } catch (error) {
      throw new AgentError({ agentName: agent.name, stage: "spawn", what: `could not be started in a terminal: ${String(error)}`, cause: error });
    }
    this.child = child;
    const exited = new Promise<void>((resolve) => child.once("exit", resolve));
    const data = child.pty.onData((chunk) => stream.write(chunk));
    if (typed) child.pty.write(typed);
    await exited;
    data.dispose();
    // Background jobs it left in its session would outlive the turn: stop them too.
    try {
      await terminateGroup(child, leftoverGraceMs);
    } catch (error) {
      hooks.log.error("could not stop what the agent left running", { agent: agent.name, error: String(error) });
    }
    this.child = null;
    stream.end({ exitCode: child.exitCode, signal: child.signalCode });
    const tail = plainText(stream.tail);
    this.lastExit = { code: child.exitCode, signal: child.signalCode, stderrTail: tail };
    if (this.cancelled) return { stopReason: "cancelled" };
    if (child.exitCode === 0) return { stopReason: "end_turn" };
    throw new AgentError({ agentName: agent.name, stage: "prompt", what: "ended with a failure", exit: this.lastExit, outputName: "its terminal" });
  }

  async cancel(): Promise<void> {
    this.cancelled = true;
    const child = this.child;
    if (child) await terminateGroup(child, cancelGraceMs);
  }

  async close(graceMs = 3000): Promise<AgentExit> {
    this.closed = true;
    const child = this.child;
    if (child) {
      this.cancelled = true;
      await terminateGroup(child, graceMs);
    }
    this.resolveExited(this.lastExit);
    return this.lastExit;
  }
}

async function start(opts: StartOptions, sandbox: Sandbox | undefined): Promise<AgentSession> {
  const { agent, cwd } = opts;
  let cwdOk: boolean;
  try {
    cwdOk = statSync(cwd).isDirectory();
  } catch {
    cwdOk = false;
  }
  if (!cwdOk) throw new AgentError({ agentName: agent.name, stage: "spawn", what: `cannot start: its working directory ${cwd} does not exist` });
  if (!checkCommand(agent.command, opts.env.PATH, cwd).ok) {
    throw new AgentError({
      agentName: agent.name,
      stage: "spawn",
      what: `could not be started: the command "${agent.command}" was not found or is not executable (install it, or fix the agent's command)`,
    });
  }
  return new PtySession(opts, sandbox);
}

/** The PTY transport; its agents run in `sandbox` (the process's when not given). */
export function ptyTransport(sandbox?: Sandbox): AgentTransport {
  return { start: (opts) => start(opts, sandbox) };
}

import type { McpServerConfig, PermissionOption, TaskEvent, TaskEventOf } from "@wharf/api/schemas";
import type { SelectConfigOption } from "./acp-responses";

/**
 * The one interface every agent transport implements (ACP and PTY now; native later). The job
 * handler starts a session, prompts it, and closes it; everything the agent does arrives as task
 * events through `SessionHooks`.
 */

export type AgentSpec = {
  id: string;
  name: string;
  transport: "acp" | "pty" | "native";
  command: string;
  args: string[];
  env: Record<string, string>;
  /** In the OS sandbox: false leaves the agent and what it starts loopback only (default true). */
  network?: boolean | undefined;
};

export type PermissionAsk = { toolCall: TaskEventOf<"tool_call">; options: PermissionOption[] };
export type PermissionAnswer = { outcome: "selected"; optionId: string } | { outcome: "cancelled" };

import type { Logger } from "@wharf/common";

export type { Logger };

export interface SessionHooks {
  /** Every mapped update, in order. Must not throw (a throw is logged and the event dropped). */
  onEvent(event: TaskEvent): void;
  /** Asks a person; `signal` aborts when the turn is cancelled or the session ends. */
  requestPermission(ask: PermissionAsk, signal: AbortSignal): Promise<PermissionAnswer>;
  log: Logger;
}

export interface StartOptions {
  agent: AgentSpec;
  /** The task's worktree, absolute. */
  cwd: string;
  /** Already scrubbed: see agent-env.ts. */
  env: Record<string, string>;
  /** What `terminal/*` commands get instead of `env` (default `env`), e.g. without the agent's own API key. */
  terminalEnv?: Record<string, string>;
  hooks: SessionHooks;
  resumeSessionId?: string;
  /**
   * MCP servers for the session (project's and agent's merged), secret values included: passed in
   * session/new or session/load only. Default none.
   */
  mcpServers?: McpServerConfig[];
  mode?: string;
  model?: string;
  timeouts?: {
    initializeMs?: number /* default 15000 */;
    /** session/new, session/load or session/resume (default 120000). */
    sessionMs?: number;
  };
}

export type AgentExit = { code: number | null; signal: string | null; stderrTail: string };
export type StopReason = "end_turn" | "max_tokens" | "max_turn_requests" | "refusal" | "cancelled";

export type AgentInfo = {
  name?: string;
  version?: string;
  loadSession: boolean;
  modes: { id: string; name: string; description?: string }[];
  currentMode?: string;
  models: { id: string; name: string }[];
  currentModel?: string;
  /** The mode and model the agent started the session in, before a task's choice was applied. */
  defaultMode?: string;
  defaultModel?: string;
  /** Select config options as the session started (ACP `configOptions`). */
  configOptions?: SelectConfigOption[];
};

export interface AgentSession {
  readonly sessionId: string;
  readonly info: AgentInfo;
  /** Rejects with AgentError if the agent dies or errors mid-turn. */
  prompt(text: string): Promise<{ stopReason: StopReason }>;
  /** session/cancel; pending permission asks are aborted (their signal). */
  cancel(): Promise<void>;
  /** SIGTERM to the process group, SIGKILL after grace (default 3000); resolves when all are gone. */
  close(graceMs?: number): Promise<AgentExit>;
  readonly exited: Promise<AgentExit>;
  /** Present when the agent runs in a terminal a person can type into (PTY transport). */
  readonly terminal?: SessionTerminal;
}

export interface SessionTerminal {
  /** Keystrokes to the running program; ignored between turns. */
  write(data: string): void;
  /** Kept for the next run too. */
  resize(cols: number, rows: number): void;
}

export type PrewarmTarget = { worktree: string; repository: string };

export interface AgentTransport {
  /** Rejects with AgentError. */
  start(opts: StartOptions): Promise<AgentSession>;
  /**
   * A start of this agent (with this scrubbed env) follows soon: a transport may begin it now.
   * `task`: where that start will run (the worktree, which may not exist yet, and its repository),
   * for agents that must be started where they will work (in the OS sandbox).
   */
  prewarm?(agent: AgentSpec, env: Record<string, string>, task?: PrewarmTarget): void;
  /**
   * A new worktree of `repository` is about to be made for a task of this agent: the folder to make
   * it in, where an agent is already waiting (or starting now), for transports whose agents must
   * start where they will work (in the OS sandbox). Undefined: make it where you like. The folder
   * exists and is empty.
   */
  worktreeFolder?(agent: AgentSpec, env: Record<string, string>, repository: string): Promise<string | undefined>;
  /** A folder from `worktreeFolder` that no worktree was made in (the task ended first): stop its agent, remove it if still empty. */
  releaseFolder?(folder: string): Promise<void>;
}

export type AgentErrorStage = "spawn" | "initialize" | "session" | "prompt" | "protocol";

/** Last few non-empty lines of stderr (or of its terminal), for a one-glance error message. */
function excerpt(stderrTail: string | undefined, outputName = "stderr"): string {
  if (!stderrTail) return "";
  const lines = stderrTail.split("\n").map((l) => l.trimEnd()).filter((l) => l.length > 0);
  const last = lines.slice(-3).join("\n");
  if (!last) return "";
  return `\nLast lines it wrote to ${outputName}:\n${last.length > 600 ? `…${last.slice(-600)}` : last}`;
}

function describeExit(exit: AgentExit | undefined): string {
  if (!exit) return "";
  if (exit.signal) return ` (killed by ${exit.signal})`;
  if (exit.code !== null) return ` (exit code ${exit.code})`;
  return "";
}

export class AgentError extends Error {
  readonly agentName: string;
  readonly stage: AgentErrorStage;
  readonly stderrTail?: string;
  readonly exit?: AgentExit;

  /** `what` completes a sentence that starts with the agent's name: `Agent "X" <what>`. */
  constructor(opts: {
    agentName: string;
    stage: AgentErrorStage;
    what: string;
    stderrTail?: string;
    exit?: AgentExit;
    cause?: unknown;
    /** Where `stderrTail` comes from, as the message names it: "stderr" unless said. */
    outputName?: string;
  }) {
    const stderrTail = opts.stderrTail ?? opts.exit?.stderrTail;
    super(`Agent "${opts.agentName}" ${opts.what}${describeExit(opts.exit)}.${excerpt(stderrTail, opts.outputName)}`, {
      cause: opts.cause,
    });
    this.name = "AgentError";
    this.agentName = opts.agentName;
    this.stage = opts.stage;
    if (stderrTail !== undefined) this.stderrTail = stderrTail;
    if (opts.exit !== undefined) this.exit = opts.exit;
  }
}

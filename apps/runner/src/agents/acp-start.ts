import { methods, PROTOCOL_VERSION, RequestError, type McpServer } from "@agentclientprotocol/sdk";
import { terminateGroup } from "../processes/terminate";
import { buildClient } from "./acp-client";
import {
  initializeResponseSchema,
  newSessionResponseSchema,
  sessionChoices,
  sessionStateSchema,
  type InitializeAnswer,
  type SessionChoices,
} from "./acp-responses";
import { acpMcpServers } from "./acp-mcp";
import { AcpSession } from "./acp-session";
import { CommandNotRunnableError } from "../processes/command";
import type { McpServerConfig } from "@wharf/api/schemas";
import type { Sandbox } from "../sandbox";
import { AgentProcess, spawnError } from "./agent-process";
import {
  AgentError,
  type AgentErrorStage,
  type AgentSession,
  type AgentSpec,
  type Logger,
  type SessionHooks,
} from "./transport";

/**
 * The steps of ACP over stdio: spawn the agent in its own process group and `initialize` it
 * (`launchAgent`), then bind it to a task, open (or resume) a session in the worktree and apply the
 * requested mode and model (`openSession`). `acp-transport.ts` decides when each step runs.
 */

const clientInfo = { name: "wharf", title: "Wharf", version: "0.1.0" };
const defaultInitializeMs = 15_000;
/** session/new can be slow (agents load their tools); still bounded. */
const defaultSessionMs = 120_000;
const setupMs = 30_000;

type Setup = {
  proc: AgentProcess;
  session: AcpSession;
  agent: AgentSpec;
  log: Logger;
  /** Longest wait for session/new, load or resume. */
  sessionMs: number;
  /** For session/new and session/load, secret values included: never log it. */
  mcpServers: McpServer[];
};

/** An agent process that has answered `initialize` and has no session yet. */
export type LaunchedAgent = { proc: AgentProcess; session: AcpSession; init: InitializeAnswer };

/** An agent's JSON-RPC error answer, explained. */
function refused(setup: Setup, stage: AgentErrorStage, method: string, error: RequestError): AgentError {
  const agentName = setup.agent.name;
  const stderrTail = setup.proc.stderrTail;
  if (error.code === -32000) {
    return new AgentError({
      agentName,
      stage,
      what: `needs you to sign in first (it answered ${method} with "${error.message}"): run the agent's own login once on this machine, then retry the task`,
      stderrTail,
      cause: error,
    });
  }
  return new AgentError({ agentName, stage, what: `refused ${method}: ${error.message} (code ${error.code})`, stderrTail, cause: error });
}

async function call<T>(
  setup: Setup,
  stage: AgentErrorStage,
  method: string,
  request: Promise<T>,
  ms: number,
  timeoutWhat = `did not answer ${method} within ${Math.round(ms / 1000)} s`,
): Promise<T> {
  try {
    return await setup.proc.guard(request, stage, { ms, what: timeoutWhat });
  } catch (error) {
    if (error instanceof RequestError) throw refused(setup, stage, method, error);
    throw error;
  }
}

async function initialize(setup: Setup, ms: number): Promise<InitializeAnswer> {
  const { agent, session } = setup;
  const { command, args } = agent;
  const raw = await call(
    setup,
    "initialize",
    "initialize",
    session.connection.agent.request(methods.agent.initialize, {
      protocolVersion: PROTOCOL_VERSION,
      clientCapabilities: { fs: { readTextFile: true, writeTextFile: true }, terminal: true },
      clientInfo,
    }),
    ms,
    `did not answer initialize within ${ms / 1000} s; check that "${[command, ...args].join(" ")}" starts an ACP agent (many need a flag or a separate ACP adapter)`,
  );
  const parsed = initializeResponseSchema.safeParse(raw);
  if (!parsed.success) {
    throw new AgentError({ agentName: agent.name, stage: "protocol", what: `answered initialize with a malformed response (${parsed.error.message})` });
  }
  if (parsed.data.protocolVersion !== PROTOCOL_VERSION) {
    throw new AgentError({
      agentName: agent.name,
      stage: "initialize",
      what: `speaks ACP protocol version ${parsed.data.protocolVersion}, and Wharf speaks version ${PROTOCOL_VERSION}; use a version of the agent that supports ACP v${PROTOCOL_VERSION}`,
    });
  }
  return parsed.data;
}

/** Resumes `resumeSessionId` if the agent can; null when it cannot (a new session follows). */
async function resume(setup: Setup, init: InitializeAnswer, sessionId: string): Promise<SessionChoices | null> {
  const { session, proc, log } = setup;
  const caps = init.agentCapabilities;
  const params = { sessionId, cwd: session.root, mcpServers: setup.mcpServers };
  const viaResume = caps?.sessionCapabilities?.resume != null;
  if (!viaResume && caps?.loadSession !== true) {
    log.warn("the agent cannot resume sessions; starting a new one", { agent: setup.agent.name });
    return null;
  }
  if (!viaResume) session.beginReplay();
  const method = viaResume ? methods.agent.session.resume : methods.agent.session.load;
  const { sessionMs } = setup;
  try {
    const raw = await proc.guard(session.connection.agent.request(method, params), "session", {
      ms: sessionMs,
      what: `did not answer ${method} within ${sessionMs / 1000} s`,
    });
    const parsed = sessionStateSchema.safeParse(raw ?? {});
    return parsed.success ? sessionChoices(parsed.data) : { modes: [], models: [], configOptions: [] };
  } catch (error) {
    if (!(error instanceof RequestError)) throw error;
    log.warn(`the agent could not ${viaResume ? "resume" : "load"} the session; starting a new one`, {
      sessionId,
      error: error.message,
    });
    return null;
  }
}

async function newSession(setup: Setup): Promise<{ sessionId: string; choices: SessionChoices }> {
  const { session, sessionMs } = setup;
  const raw = await call(
    setup,
    "session",
    methods.agent.session.new,
    session.connection.agent.request(methods.agent.session.new, { cwd: session.root, mcpServers: setup.mcpServers }),
    sessionMs,
  );
  const parsed = newSessionResponseSchema.safeParse(raw);
  if (!parsed.success) {
    throw new AgentError({ agentName: setup.agent.name, stage: "protocol", what: `answered session/new with a malformed response (${parsed.error.message})` });
  }
  return { sessionId: parsed.data.sessionId, choices: sessionChoices(parsed.data) };
}

/** Applies the requested mode and model when the agent offers them; otherwise says so in the log. */
async function applyChoices(setup: Setup, choices: SessionChoices, opts: { mode?: string; model?: string }): Promise<void> {
  const { session, log } = setup;
  const agent = session.connection.agent;
  const sessionId = session.sessionId;
  const attempt = async (what: string, run: () => Promise<unknown>): Promise<boolean> => {
    try {
      await setup.proc.guard(run(), "session", { ms: setupMs, what: `did not answer while setting the ${what} within ${setupMs / 1000} s` });
      return true;
    } catch (error) {
      if (!(error instanceof RequestError)) throw error;
      log.warn(`the agent refused the ${what}`, { error: error.message });
      return false;
    }
  };

  const mode = opts.mode;
  if (mode && mode !== choices.currentMode) {
    if (!choices.modes.some((m) => m.id === mode)) {
      log.warn("the agent does not offer the requested mode", { mode, offered: choices.modes.map((m) => m.id) });
    } else {
      const configId = choices.modeConfigId;
      const ok = await attempt(`mode "${mode}"`, () =>
        configId
          ? agent.request(methods.agent.session.setConfigOption, { sessionId, configId, value: mode })
          : agent.request(methods.agent.session.setMode, { sessionId, modeId: mode }),
      );
      if (ok) {
        choices.currentMode = mode;
        session.emit({ type: "mode", modeId: mode });
      }
    }
  }

  const model = opts.model;
  if (model && model !== choices.currentModel) {
    if (!choices.models.some((m) => m.id === model)) {
      log.warn("the agent does not offer the requested model", { model, offered: choices.models.map((m) => m.id) });
    } else {
      const configId = choices.modelConfigId;
      const ok = await attempt(`model "${model}"`, () =>
        configId
          ? agent.request(methods.agent.session.setConfigOption, { sessionId, configId, value: model })
          : agent.request("session/set_model", { sessionId, modelId: model }),
      );
      if (ok) choices.currentModel = model;
    }
  }
}

export type LaunchOptions = {
  agent: AgentSpec;
  /** The process's working directory; sessions get theirs in session/new. */
  cwd: string;
  /** Already scrubbed: see agent-env.ts. */
  env: Record<string, string>;
  hooks: SessionHooks;
  initializeMs?: number;
  /** `cwd` is the empty folder this repository's worktree will be added to (a sandboxed warm agent). */
  repository?: string;
  /** The sandbox the agent and its terminals run in (the transport's). */
  sandbox?: Sandbox;
};

/** What a task gives the launched agent when it takes it: everything of StartOptions but the launch. */
export type SessionBinding = {
  agent: AgentSpec;
  /** The task's worktree: the session's cwd and the root its fs and terminal requests are confined to. */
  cwd: string;
  hooks: SessionHooks;
  /** The environment of the terminals it opens. */
  terminalEnv: Record<string, string>;
  resumeSessionId?: string;
  /** Given in session/new or session/load as far as the agent takes them (see acp-mcp.ts). */
  mcpServers: McpServerConfig[];
  mode?: string;
  model?: string;
  sessionMs?: number;
};

/**
 * Spawns the agent in its own process group and sends `initialize`. Until `openSession` binds it
 * to a task, its fs and terminal requests are confined to `cwd`. On failure nothing is left running.
 */
export async function launchAgent(opts: LaunchOptions): Promise<LaunchedAgent> {
  let proc: AgentProcess;
  try {
    proc = new AgentProcess(opts.agent, opts.cwd, opts.env, opts.hooks.log, { repository: opts.repository, sandbox: opts.sandbox });
  } catch (error) {
    if (error instanceof CommandNotRunnableError) throw spawnError(opts.agent, error);
    throw error;
  }
  const session = new AcpSession(proc, opts.hooks, opts.cwd, opts.env);
  session.connection = buildClient({
    get root() {
      return session.root;
    },
    terminals: session.terminals,
    sessionId: () => session.sessionId || undefined,
    askPermission: (params, signal) => session.askPermission(params, signal),
    log: opts.hooks.log,
  }).connect(proc.io.stream);
  const setup: Setup = { proc, session, agent: opts.agent, log: opts.hooks.log, sessionMs: defaultSessionMs, mcpServers: [] };
  try {
    const init = await initialize(setup, opts.initializeMs ?? defaultInitializeMs);
    return { proc, session, init };
  } catch (error) {
    throw await failedStart(setup, error);
  }
}

/** Stops what a failed start left and returns the error to throw. */
async function failedStart(setup: Setup, error: unknown): Promise<AgentError> {
  const { proc, session, agent, log } = setup;
  session.connection.close();
  try {
    await terminateGroup(proc.child, 1000);
  } catch (killError) {
    log.error("could not stop the agent after a failed start", { agent: agent.name, error: String(killError) });
  }
  if (error instanceof AgentError) return error;
  return new AgentError({ agentName: agent.name, stage: "protocol", what: `failed to start: ${String(error)}`, stderrTail: proc.stderrTail, cause: error });
}

/**
 * Binds an initialized agent to the task (worktree, hooks, terminal environment), opens or resumes
 * its session there and applies the requested mode and model.
 */
export async function openSession(launched: LaunchedAgent, opts: SessionBinding): Promise<AgentSession> {
  const { proc, session, init } = launched;
  session.bind(opts.hooks, opts.cwd, opts.terminalEnv);
  const mcp = acpMcpServers(init, opts.mcpServers);
  for (const { name, why } of mcp.refused) {
    session.emit({ type: "error", message: `MCP server "${name}" was not given to ${opts.agent.name}: ${why}.` });
  }
  const setup: Setup = { proc, session, agent: opts.agent, log: opts.hooks.log, sessionMs: opts.sessionMs ?? defaultSessionMs, mcpServers: mcp.given };
  try {
    const resumed = opts.resumeSessionId ? await resume(setup, init, opts.resumeSessionId) : null;
    let choices: SessionChoices;
    if (resumed && opts.resumeSessionId) {
      session.sessionId = opts.resumeSessionId;
      choices = resumed;
    } else {
      const created = await newSession(setup);
      session.sessionId = created.sessionId;
      choices = created.choices;
    }
    const defaults = { mode: choices.currentMode, model: choices.currentModel };
    await applyChoices(setup, choices, opts);
    const info = init.agentInfo;
    session.info = {
      ...(info?.name && { name: info.title ?? info.name }),
      ...(info?.version && { version: info.version }),
      loadSession: init.agentCapabilities?.loadSession === true,
      modes: choices.modes,
      ...(choices.currentMode && { currentMode: choices.currentMode }),
      models: choices.models,
      ...(choices.currentModel && { currentModel: choices.currentModel }),
      ...(defaults.mode && { defaultMode: defaults.mode }),
      ...(defaults.model && { defaultModel: defaults.model }),
      configOptions: choices.configOptions,
    };
    return session;
  } catch (error) {
    throw await failedStart(setup, error);
  }
}

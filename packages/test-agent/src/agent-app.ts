import { randomUUID } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import {
  agent,
  methods,
  PROTOCOL_VERSION,
  RequestError,
  type AgentApp,
  type ContentBlock,
  type McpServer,
  type PromptResponse,
} from "@agentclientprotocol/sdk";
import { checkMcpServers, configOptions, modeState, resolveProfile } from "./agent-profile.ts";
import { scenarioFromPrompt } from "./scenario-source.ts";
import { scenarioTurns, type Scenario, type Step } from "./scenario-schema.ts";
import { runSteps, scheduleAfterResponse } from "./turn-runner.ts";
import { errorMessage, writeStderr, type ClientInfo, type SessionState, type TurnContext } from "./turn-context.ts";

const agentName = "wharf-test-agent";
const agentVersion = "0.1.0";

/** Session ids this agent hands out; `session/load` accepts any id of this shape. */
const sessionIdPattern = /^sess_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function promptText(blocks: ContentBlock[]): string {
  return blocks
    .map((block) => {
      if (block.type === "text") return block.text;
      if (block.type === "resource" && "text" in block.resource) return block.resource.text;
      return "";
    })
    .join("\n");
}

function noTurnLeft(turn: number): Step[] {
  return [{ type: "text", text: `The scenario has no turn ${turn + 1}.`, chunks: 1, delayMs: 0 }];
}

/** Runs `send` once the current request's response has gone out. */
function afterResponse(send: () => Promise<void>, what: string): void {
  setTimeout(() => {
    send().catch((error: unknown) => writeStderr(`wharf-test-agent: ${what} failed: ${errorMessage(error)}\n`));
  }, 0);
}

/**
 * The test agent: sessions with modes and a model option, and prompts answered by running the
 * session's scenario one turn per prompt. `scenario` is what sessions start with; a prompt may
 * switch its session to another one (fenced block or scenario name).
 */
export function createAgentApp(scenario: Scenario): AgentApp {
  const profile = resolveProfile(scenario.agent);
  const sessions = new Map<string, SessionState>();
  const clientInfo: ClientInfo = { capabilities: {}, info: undefined };

  const openSession = (
    id: string,
    cwd: string,
    mcpServers: McpServer[],
    meta: Record<string, unknown> | null | undefined,
  ): SessionState => {
    const session: SessionState = {
      id,
      cwd,
      mcpServers,
      meta,
      modeId: profile.defaultMode,
      model: profile.models[0] ?? "test-small",
      scenario,
      nextTurn: 0,
      running: undefined,
      permissions: [],
    };
    sessions.set(id, session);
    return session;
  };

  const sessionOf = (sessionId: string): SessionState => {
    const session = sessions.get(sessionId);
    if (!session) throw RequestError.sessionNotFound(sessionId);
    return session;
  };

  return agent({ name: agentName })
    .onRequest(methods.agent.initialize, async ({ params }) => {
      clientInfo.capabilities = params.clientCapabilities ?? {};
      clientInfo.info = params.clientInfo;
      if (profile.initializeDelayMs > 0) await delay(profile.initializeDelayMs);
      return {
        protocolVersion: PROTOCOL_VERSION,
        agentCapabilities: {
          loadSession: profile.loadSession,
          mcpCapabilities: { http: profile.mcp.http, sse: profile.mcp.sse },
          promptCapabilities: { image: false, audio: false, embeddedContext: true },
        },
        agentInfo: { name: agentName, title: "Wharf test agent", version: agentVersion },
        authMethods: [],
      };
    })
    .onRequest(methods.agent.session.new, ({ params, client }) => {
      checkMcpServers(profile, params.mcpServers);
      const session = openSession(`sess_${randomUUID()}`, params.cwd, params.mcpServers, params._meta);
      afterResponse(
        () =>
          client.notify(methods.client.session.update, {
            sessionId: session.id,
            update: { sessionUpdate: "available_commands_update", availableCommands: profile.commands },
          }),
        "available_commands_update",
      );
      return {
        sessionId: session.id,
        modes: modeState(profile, session),
        configOptions: configOptions(profile, session),
      };
    })
    .onRequest(methods.agent.session.load, ({ params }) => {
      if (!profile.loadSession) throw RequestError.methodNotFound(methods.agent.session.load);
      if (!sessionIdPattern.test(params.sessionId)) throw RequestError.sessionNotFound(params.sessionId);
      checkMcpServers(profile, params.mcpServers);
      const session =
        sessions.get(params.sessionId) ??
        openSession(params.sessionId, params.cwd, params.mcpServers, params._meta);
      session.cwd = params.cwd;
      return { modes: modeState(profile, session), configOptions: configOptions(profile, session) };
    })
    .onRequest(methods.agent.session.setMode, ({ params, client }) => {
      const session = sessionOf(params.sessionId);
      if (!profile.modes.some((m) => m.id === params.modeId)) {
        throw RequestError.invalidParams({ modeId: params.modeId }, `unknown mode "${params.modeId}"`);
      }
      session.modeId = params.modeId;
      afterResponse(
        () =>
          client.notify(methods.client.session.update, {
            sessionId: session.id,
            update: { sessionUpdate: "current_mode_update", currentModeId: params.modeId },
          }),
        "current_mode_update",
      );
      return {};
    })
    .onRequest(methods.agent.session.setConfigOption, ({ params }) => {
      const session = sessionOf(params.sessionId);
      if (params.configId !== "model" || typeof params.value !== "string" || !profile.models.includes(params.value)) {
        throw RequestError.invalidParams(
          { configId: params.configId, value: params.value },
          `unknown config option or value: ${params.configId}=${String(params.value)}`,
        );
      }
      session.model = params.value;
      return { configOptions: configOptions(profile, session) };
    })
    .onRequest(methods.agent.session.prompt, async ({ params, client, signal }): Promise<PromptResponse> => {
      const session = sessionOf(params.sessionId);
      if (session.running) {
        throw RequestError.invalidRequest({ sessionId: session.id }, "a prompt is already running in this session");
      }
      const text = promptText(params.prompt);
      const picked = scenarioFromPrompt(text);
      if (picked) {
        session.scenario = picked;
        session.nextTurn = 0;
      }
      const turn = session.nextTurn++;
      const turns = scenarioTurns(session.scenario);
      const steps =
        turns[turn] ?? (session.scenario.repeatLastTurn ? turns[turns.length - 1] : undefined) ?? noTurnLeft(turn);
      const running = new AbortController();
      const abort = (): void => running.abort();
      signal.addEventListener("abort", abort, { once: true });
      session.running = running;
      let ids = 0;
      const ctx: TurnContext = {
        client,
        clientInfo,
        session,
        turn,
        prompt: { text, blocks: params.prompt },
        signal: running.signal,
        afterResponse: [],
        nextId: () => ++ids,
      };
      try {
        return { stopReason: await runSteps(ctx, steps) };
      } finally {
        signal.removeEventListener("abort", abort);
        session.running = undefined;
        scheduleAfterResponse(ctx);
      }
    })
    .onNotification(methods.agent.session.cancel, ({ params }) => {
      sessions.get(params.sessionId)?.running?.abort();
    });
}

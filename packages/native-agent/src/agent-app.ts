import { randomUUID } from "node:crypto";
import {
  agent,
  methods,
  PROTOCOL_VERSION,
  RequestError,
  type AgentApp,
  type AgentContext,
  type ClientCapabilities,
  type ContentBlock,
  type PromptResponse,
  type SessionConfigOption,
  type StopReason,
} from "@agentclientprotocol/sdk";
import { EndpointError, streamChat, type ChatMessage, type ChatUsage } from "./chat-stream.ts";
import type { Config } from "./config.ts";
import { runTool } from "./run-tool.ts";
import { cancelled, errorMessage, type ToolContext } from "./tool-context.ts";
import { chatTools, systemPrompt } from "./tools.ts";

const agentName = "wharf-native-agent";
/** The conversation kept per session (the endpoint's context window is usually far smaller). */
const maxConversationChars = 8 * 1024 * 1024;
const agentVersion = "0.1.0";

type Session = {
  id: string;
  cwd: string;
  /** The conversation so far, sent with every request (the model keeps no state). */
  messages: ChatMessage[];
  running: AbortController | undefined;
  toolCalls: number;
  model: string;
};

function promptText(blocks: ContentBlock[]): string {
  return blocks
    .map((block) => {
      if (block.type === "text") return block.text;
      if (block.type === "resource" && "text" in block.resource) return `${block.resource.uri}:\n${block.resource.text}`;
      if (block.type === "resource_link") return block.uri;
      return "";
    })
    .filter((t) => t !== "")
    .join("\n");
}

/**
 * The native agent: an ACP agent whose thinking is done by an OpenAI-compatible chat completions
 * endpoint. Each prompt runs a loop: stream the model's answer (text becomes message chunks), run
 * the tool calls it asked for through the ACP client, send the results back, until the model
 * answers without tools or `maxRounds` requests were made.
 */
export function createAgentApp(config: Config): AgentApp {
  const byId = new Map<string, Session>();
  let capabilities: ClientCapabilities = {};

  const sessionOf = (sessionId: string): Session => {
    const session = byId.get(sessionId);
    if (!session) throw RequestError.sessionNotFound(sessionId);
    return session;
  };

  return agent({ name: agentName })
    .onRequest(methods.agent.initialize, ({ params }) => {
      capabilities = params.clientCapabilities ?? {};
      return {
        protocolVersion: PROTOCOL_VERSION,
        agentCapabilities: {
          loadSession: false,
          promptCapabilities: { image: false, audio: false, embeddedContext: true },
        },
        agentInfo: { name: agentName, title: `Native agent (${config.model})`, version: agentVersion },
        authMethods: [],
      };
    })
    .onRequest(methods.agent.session.new, ({ params }) => {
      const id = `native_${randomUUID()}`;
      const session: Session = {
        id,
        cwd: params.cwd,
        messages: [{ role: "system", content: systemPrompt(params.cwd) }],
        running: undefined,
        toolCalls: 0,
        model: config.model,
      };
      byId.set(id, session);
      return { sessionId: id, configOptions: modelOptions(config, session) };
    })
    .onRequest(methods.agent.session.setConfigOption, ({ params }) => {
      const session = sessionOf(params.sessionId);
      if (params.configId !== "model" || typeof params.value !== "string" || !config.models.includes(params.value)) {
        throw RequestError.invalidParams(
          { configId: params.configId, value: params.value },
          `the native agent offers only the option "model" with the values ${config.models.join(", ")} (WHARF_NATIVE_MODEL)`,
        );
      }
      session.model = params.value;
      return { configOptions: modelOptions(config, session) };
    })
    .onRequest(methods.agent.session.prompt, async ({ params, client, signal }): Promise<PromptResponse> => {
      const session = sessionOf(params.sessionId);
      if (session.running) throw RequestError.invalidRequest({ sessionId: session.id }, "a prompt is already running in this session");
      const running = new AbortController();
      const abort = (): void => running.abort();
      signal.addEventListener("abort", abort, { once: true });
      session.running = running;
      const usage: ChatUsage = { inputTokens: 0, outputTokens: 0 };
      try {
        const stopReason = await runTurn(config, capabilities, client, session, promptText(params.prompt), running.signal, usage);
        // `usage` is not in the stable PromptResponse type yet; clients that know it (Wharf does) read it.
        const counted = usage.inputTokens + usage.outputTokens > 0;
        return { stopReason, ...(counted && { usage: { ...usage, totalTokens: usage.inputTokens + usage.outputTokens } }) };
      } catch (error) {
        if (error instanceof EndpointError) throw new RequestError(-32603, error.message);
        throw error;
      } finally {
        signal.removeEventListener("abort", abort);
        session.running = undefined;
      }
    })
    .onNotification(methods.agent.session.cancel, ({ params }) => {
      byId.get(params.sessionId)?.running?.abort();
    });
}

/** The models of WHARF_NATIVE_MODEL, as the session's "model" option. */
function modelOptions(config: Config, session: Session): SessionConfigOption[] {
  return [
    {
      id: "model",
      name: "Model",
      category: "model",
      type: "select",
      currentValue: session.model,
      options: config.models.map((m) => ({ value: m, name: m })),
    },
  ];
}

function conversationChars(messages: ChatMessage[]): number {
  let total = 0;
  for (const m of messages) {
    total += m.content?.length ?? 0;
    if (m.role === "assistant") for (const call of m.tool_calls ?? []) total += call.function.arguments.length + call.function.name.length;
  }
  return total;
}

async function runTurn(
  config: Config,
  capabilities: ClientCapabilities,
  client: AgentContext,
  session: Session,
  text: string,
  signal: AbortSignal,
  usage: ChatUsage,
): Promise<StopReason> {
  const say = (sessionUpdate: "agent_message_chunk" | "agent_thought_chunk", value: string) =>
    client.notify(methods.client.session.update, { sessionId: session.id, update: { sessionUpdate, content: { type: "text", text: value } } });
  session.messages.push({ role: "user", content: text });

  for (let round = 0; round < config.maxRounds; round++) {
    const size = conversationChars(session.messages);
    if (size > maxConversationChars) {
      throw new RequestError(
        -32603,
        `The conversation holds ${size} characters, more than the native agent keeps (${maxConversationChars}); start a new task to continue.`,
      );
    }
    let answer;
    try {
      answer = await streamChat({
        config: { ...config, model: session.model },
        messages: session.messages,
        tools: chatTools,
        signal,
        onText: (t) => say("agent_message_chunk", t),
        onThought: (t) => say("agent_thought_chunk", t),
      });
    } catch (error) {
      if (signal.aborted) return "cancelled";
      throw error;
    }
    if (answer.usage) {
      usage.inputTokens += answer.usage.inputTokens;
      usage.outputTokens += answer.usage.outputTokens;
    }
    session.messages.push({
      role: "assistant",
      content: answer.content === "" ? null : answer.content,
      ...(answer.toolCalls.length > 0 ? { tool_calls: answer.toolCalls } : {}),
    });
    if (answer.toolCalls.length === 0) return answer.finishReason === "length" ? "max_tokens" : "end_turn";

    // Every tool call gets an answer, even after a cancel, so the conversation stays valid for the next prompt.
    let stopped = false;
    for (const call of answer.toolCalls) {
      if (stopped || signal.aborted) {
        session.messages.push({ role: "tool", tool_call_id: call.id, content: "Not run: the user cancelled the turn." });
        continue;
      }
      const ctx: ToolContext = { client, capabilities, sessionId: session.id, cwd: session.cwd, signal, toolCallId: `native-${++session.toolCalls}` };
      let outcome;
      try {
        outcome = await runTool(ctx, call.function.name, call.function.arguments);
      } catch (error) {
        outcome = { text: `Error: ${errorMessage(error)}` };
      }
      if (outcome === cancelled) {
        stopped = true;
        session.messages.push({ role: "tool", tool_call_id: call.id, content: "Stopped: the user cancelled the turn." });
      } else {
        session.messages.push({ role: "tool", tool_call_id: call.id, content: outcome.text });
      }
    }
    if (stopped || signal.aborted) return "cancelled";
  }
  await say("agent_message_chunk", `\n\nStopped after ${config.maxRounds} model requests (WHARF_NATIVE_MAX_ROUNDS); prompt again to continue.`);
  return "max_turn_requests";
}

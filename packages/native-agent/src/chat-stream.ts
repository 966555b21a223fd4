import { z } from "zod";
import type { Config } from "./config.ts";
import { SseDecoder, SseLineTooLongError } from "./sse.ts";

/**
 * One streamed request to an OpenAI-compatible `/chat/completions`: text deltas are handed out as
 * they arrive, tool calls are accumulated by their `index`. Everything read is bounded, and every
 * failure becomes an `EndpointError` that names the endpoint (never the key).
 */

export type ChatToolCall = { id: string; type: "function"; function: { name: string; arguments: string } };
export type ChatMessage =
  | { role: "system" | "user"; content: string }
  | { role: "assistant"; content: string | null; tool_calls?: ChatToolCall[] }
  | { role: "tool"; tool_call_id: string; content: string };
export type ChatTool = { type: "function"; function: { name: string; description: string; parameters: object } };

export type ChatUsage = { inputTokens: number; outputTokens: number };

export type ChatResult = {
  content: string;
  toolCalls: ChatToolCall[];
  finishReason: string | null;
  /** When the server reports it (`stream_options.include_usage`). */
  usage?: ChatUsage;
};

export type ChatRequest = {
  config: Config;
  messages: ChatMessage[];
  tools: ChatTool[];
  signal: AbortSignal;
  onText(text: string): Promise<void>;
  onThought(text: string): Promise<void>;
};

const limits = {
  /** Everything one response may send. */
  responseBytes: 16 * 1024 * 1024,
  /** Text plus tool-call arguments kept from one response. */
  keptChars: 2 * 1024 * 1024,
  toolCallsPerResponse: 64,
  errorBodyChars: 500,
  /** One answer, however steadily it trickles in. */
  requestMs: 30 * 60_000,
};

export class EndpointError extends Error {
  readonly url: string;

  constructor(url: string, what: string, options?: { cause?: unknown }) {
    super(`The model endpoint ${url} ${what}`, options);
    this.name = "EndpointError";
    this.url = url;
  }
}

const toolCallDeltaSchema = z.object({
  index: z.number().int().min(0).optional(),
  id: z.string().nullish(),
  function: z.object({ name: z.string().nullish(), arguments: z.string().nullish() }).nullish(),
});
const choiceSchema = z.object({
  delta: z
    .object({
      content: z.string().nullish(),
      reasoning_content: z.string().nullish(),
      reasoning: z.string().nullish(),
      tool_calls: z.array(toolCallDeltaSchema).nullish(),
    })
    .nullish(),
  finish_reason: z.string().nullish(),
});
const usageSchema = z.object({ prompt_tokens: z.number().nonnegative(), completion_tokens: z.number().nonnegative() });
const chunkSchema = z.object({
  choices: z.array(choiceSchema).nullish(),
  // Servers that count differently send other shapes; usage is then simply unknown.
  usage: usageSchema.nullish().catch(null),
  error: z.unknown().optional(),
});
/** A server that ignored `stream: true` answers with one whole completion. */
const completionSchema = z.object({
  usage: usageSchema.nullish().catch(null),
  choices: z
    .array(
      z.object({
        message: z.object({
          content: z.string().nullish(),
          tool_calls: z.array(toolCallDeltaSchema.extend({ index: z.number().optional() })).nullish(),
        }),
        finish_reason: z.string().nullish(),
      }),
    )
    .min(1),
});

function excerpt(text: string, max = limits.errorBodyChars): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

function errorText(error: unknown): string {
  if (error && typeof error === "object") {
    const message = (error as { message?: unknown }).message;
    if (typeof message === "string") return message;
  }
  return typeof error === "string" ? error : JSON.stringify(error);
}

function connectFailure(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = (cause as { code?: unknown } | undefined)?.code;
  const message = cause instanceof Error ? cause.message : String(cause);
  return typeof code === "string" && !message.includes(code) ? `${code}: ${message}` : message;
}

/**
 * Accumulates deltas into whole tool calls, by `index`. A server that leaves `index` out is
 * followed by id instead: a new id starts a new call, a piece without one continues the last.
 */
class ToolCallParts {
  private readonly parts = new Map<number, { id: string; name: string; arguments: string }>();
  private last: number | undefined;

  /** `position`: the call's place in a whole (non-streamed) message, where each entry is a call. */
  add(delta: z.infer<typeof toolCallDeltaSchema>, url: string, position?: number): void {
    const index = delta.index ?? position ?? this.inferIndex(delta.id ?? undefined);
    let part = this.parts.get(index);
    if (!part) {
      if (this.parts.size >= limits.toolCallsPerResponse) {
        throw new EndpointError(url, `asked for more than ${limits.toolCallsPerResponse} tool calls in one response.`);
      }
      part = { id: "", name: "", arguments: "" };
      this.parts.set(index, part);
    }
    this.last = index;
    if (delta.id) part.id = delta.id;
    if (delta.function?.name) part.name += delta.function.name;
    if (delta.function?.arguments) part.arguments += delta.function.arguments;
  }

  private inferIndex(id: string | undefined): number {
    const next = this.parts.size === 0 ? 0 : Math.max(...this.parts.keys()) + 1;
    if (id === undefined) return this.last ?? next;
    for (const [index, part] of this.parts) if (part.id === id) return index;
    return next;
  }

  calls(): ChatToolCall[] {
    return [...this.parts.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, p]) => ({
        id: p.id || `call_${index}_${Math.random().toString(36).slice(2, 10)}`,
        type: "function" as const,
        function: { name: p.name, arguments: p.arguments },
      }));
  }
}

export async function streamChat(request: ChatRequest): Promise<ChatResult> {
  const { config, signal } = request;
  const url = `${config.baseUrl}/chat/completions`;
  // Silence from the endpoint (before the headers or between chunks) is bounded; `signal` is the turn's cancel.
  const idle = new AbortController();
  let idleTimer: NodeJS.Timeout | undefined;
  const touch = () => {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => idle.abort(), config.idleTimeoutMs);
  };
  const overall = AbortSignal.timeout(limits.requestMs);
  const both = AbortSignal.any([signal, idle.signal, overall]);
  const failed = (what: string, cause?: unknown) => {
    if (overall.aborted && !signal.aborted) {
      return new EndpointError(url, `took more than ${limits.requestMs / 60_000} minutes to answer; it was stopped.`);
    }
    if (idle.signal.aborted && !signal.aborted) {
      return new EndpointError(url, `sent nothing for ${Math.round(config.idleTimeoutMs / 1000)} s; check that the server is running and not overloaded.`);
    }
    return new EndpointError(url, what, { cause });
  };

  touch();
  try {
    let response: Response;
    try {
      response = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "text/event-stream, application/json",
          ...(config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {}),
        },
        body: JSON.stringify({ model: config.model, messages: request.messages, tools: request.tools, tool_choice: "auto", stream: true, stream_options: { include_usage: true } }),
        signal: both,
      });
    } catch (error) {
      if (signal.aborted) throw error;
      throw failed(`could not be reached (${connectFailure(error)}); check WHARF_NATIVE_BASE_URL and that the server is running.`, error);
    }
    touch();
    if (!response.ok) {
      const body = await readBounded(response, 64 * 1024).catch((error: unknown) => `(its body could not be read: ${connectFailure(error)})`);
      const hint = response.status === 401 || response.status === 403 ? " Check the agent's WHARF_NATIVE_API_KEY." : response.status === 404 ? " Check WHARF_NATIVE_BASE_URL (it usually ends in /v1) and WHARF_NATIVE_MODEL." : "";
      throw failed(`answered HTTP ${response.status} ${response.statusText}${body ? `: ${excerpt(body)}` : ""}.${hint}`);
    }
    if (!response.body) throw failed("answered with an empty body.");
    const type = response.headers.get("content-type") ?? "";
    if (type.includes("application/json")) {
      return wholeCompletion(url, await readBounded(response, limits.responseBytes), request);
    }
    return await readStream(url, response.body, request, touch);
  } catch (error) {
    if (signal.aborted) throw new DOMException("the turn was cancelled", "AbortError");
    if (error instanceof EndpointError) throw error;
    if (error instanceof SseLineTooLongError) throw failed(`sent ${error.message}.`);
    throw failed(`failed mid-answer (${connectFailure(error)}).`, error);
  } finally {
    clearTimeout(idleTimer);
  }
}

async function readStream(url: string, body: ReadableStream<Uint8Array>, request: ChatRequest, touch: () => void): Promise<ChatResult> {
  const decoder = new TextDecoder();
  const sse = new SseDecoder();
  const calls = new ToolCallParts();
  let content = "";
  let kept = 0;
  let bytes = 0;
  let finishReason: string | null = null;
  let usage: ChatUsage | undefined;
  let done = false;

  const handle = async (data: string): Promise<void> => {
    if (data.trim() === "[DONE]") {
      done = true;
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      throw new EndpointError(url, `sent a stream event that is not JSON: ${excerpt(data, 200)}`);
    }
    const chunk = chunkSchema.safeParse(json);
    if (!chunk.success) throw new EndpointError(url, `sent a stream event that is not a chat completion chunk: ${excerpt(data, 200)}`);
    if (chunk.data.error !== undefined) throw new EndpointError(url, `reported an error mid-answer: ${excerpt(errorText(chunk.data.error))}`);
    if (chunk.data.usage) usage = { inputTokens: chunk.data.usage.prompt_tokens, outputTokens: chunk.data.usage.completion_tokens };
    for (const choice of chunk.data.choices ?? []) {
      const delta = choice.delta;
      if (choice.finish_reason) finishReason = choice.finish_reason;
      if (!delta) continue;
      const thought = delta.reasoning_content ?? delta.reasoning;
      if (thought) await request.onThought(thought);
      if (delta.content) {
        kept += delta.content.length;
        if (kept > limits.keptChars) throw new EndpointError(url, `sent an answer longer than ${limits.keptChars} characters.`);
        content += delta.content;
        await request.onText(delta.content);
      }
      for (const call of delta.tool_calls ?? []) {
        kept += (call.function?.arguments?.length ?? 0) + (call.function?.name?.length ?? 0);
        if (kept > limits.keptChars) throw new EndpointError(url, `sent tool calls longer than ${limits.keptChars} characters.`);
        calls.add(call, url);
      }
    }
  };

  const reader = body.getReader();
  try {
    while (!done) {
      const { value, done: ended } = await reader.read();
      if (ended) break;
      touch();
      bytes += value.byteLength;
      if (bytes > limits.responseBytes) throw new EndpointError(url, `sent more than ${limits.responseBytes / (1024 * 1024)} MB in one answer.`);
      for (const data of sse.push(decoder.decode(value, { stream: true }))) {
        await handle(data);
        if (done) break;
      }
    }
    if (!done) for (const data of sse.push(decoder.decode()).concat(sse.end())) await handle(data);
  } finally {
    await release(reader);
  }
  return { content, toolCalls: calls.calls(), finishReason, ...(usage && { usage }) };
}

async function wholeCompletion(url: string, text: string, request: ChatRequest): Promise<ChatResult> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new EndpointError(url, `answered with JSON that does not parse: ${excerpt(text, 200)}`);
  }
  const parsed = completionSchema.safeParse(json);
  if (!parsed.success) throw new EndpointError(url, `answered with something that is not a chat completion: ${excerpt(text, 200)}`);
  const choice = parsed.data.choices[0]!;
  const content = choice.message.content ?? "";
  if (content) await request.onText(content);
  const calls = new ToolCallParts();
  for (const [i, call] of (choice.message.tool_calls ?? []).entries()) calls.add(call, url, i);
  const usage = parsed.data.usage;
  return {
    content,
    toolCalls: calls.calls(),
    finishReason: choice.finish_reason ?? null,
    ...(usage && { usage: { inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens } }),
  };
}

/** The body as text, refusing more than `max` bytes. */
async function readBounded(response: Response, max: number): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let bytes = 0;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      if (bytes > max) throw new EndpointError(response.url, `sent more than ${max} bytes.`);
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    await release(reader);
  }
  return text + decoder.decode();
}

/**
 * Lets go of a response body we stopped reading (after `[DONE]`, a limit or an error). Cancelling
 * a stream that has already failed rejects with that same failure, which the caller is handling.
 */
async function release(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  try {
    await reader.cancel();
  } catch (error) {
    if (!(error instanceof Error)) throw error;
  }
}

import { afterEach, describe, expect, it } from "vitest";
import { EndpointError, streamChat, type ChatResult } from "./chat-stream.ts";
import type { Config } from "./config.ts";
import { deadBaseUrl, startFakeOpenAi, type FakeOpenAi, type FakeReply } from "./testing/fake-openai.ts";

const servers: FakeOpenAi[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function serve(reply: FakeReply): Promise<FakeOpenAi> {
  const server = await startFakeOpenAi(() => reply);
  servers.push(server);
  return server;
}

const config = (baseUrl: string, extra: Partial<Config> = {}): Config => ({
  baseUrl,
  model: "fake-model",
  models: ["fake-model"],
  apiKey: "sk-secret-key",
  maxRounds: 5,
  idleTimeoutMs: 5000,
  ...extra,
});

async function chat(cfg: Config, signal = new AbortController().signal): Promise<{ result: ChatResult; texts: string[]; thoughts: string[] }> {
  const texts: string[] = [];
  const thoughts: string[] = [];
  const result = await streamChat({
    config: cfg,
    messages: [{ role: "user", content: "hi" }],
    tools: [],
    signal,
    onText: async (t) => void texts.push(t),
    onThought: async (t) => void thoughts.push(t),
  });
  return { result, texts, thoughts };
}

describe("streamChat", () => {
  it("streams text pieces as they arrive and sends model, stream and the key", async () => {
    const server = await serve({ text: "Hello there, friend.", pieces: 4 });
    const { result, texts } = await chat(config(server.baseUrl));
    expect(texts).toHaveLength(4);
    expect(texts.join("")).toBe("Hello there, friend.");
    expect(result).toEqual({ content: "Hello there, friend.", toolCalls: [], finishReason: "stop", usage: { inputTokens: 100, outputTokens: 10 } });
    expect(server.requests[0]!.authorization).toBe("Bearer sk-secret-key");
    expect(server.requests[0]!.body).toMatchObject({ model: "fake-model", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "hi" }] });
  });

  it("accumulates tool calls by index from argument pieces", async () => {
    const server = await serve({
      text: "Let me look.",
      toolCalls: [
        { name: "read_file", args: { path: "src/app.txt" } },
        { name: "search_files", args: { pattern: "a|b", path: "src" } },
      ],
      pieces: 5,
    });
    const { result } = await chat(config(server.baseUrl));
    expect(result.finishReason).toBe("tool_calls");
    expect(result.toolCalls.map((c) => [c.function.name, JSON.parse(c.function.arguments)])).toEqual([
      ["read_file", { path: "src/app.txt" }],
      ["search_files", { pattern: "a|b", path: "src" }],
    ]);
    expect(result.toolCalls.every((c) => c.id.startsWith("call_"))).toBe(true);
  });

  it("follows tool calls by id when the server sends no index", async () => {
    const event = (toolCalls: object[]) => `data: ${JSON.stringify({ choices: [{ delta: { tool_calls: toolCalls } }] })}\n\n`;
    const server = await serve({
      raw: [
        event([{ id: "a", function: { name: "read_file", arguments: '{"path":' } }]),
        event([{ function: { arguments: '"x"}' } }]),
        event([{ id: "b", function: { name: "list_files", arguments: "{}" } }]),
        "data: [DONE]\n\n",
      ].join(""),
    });
    const { result } = await chat(config(server.baseUrl));
    expect(result.toolCalls).toEqual([
      { id: "a", type: "function", function: { name: "read_file", arguments: '{"path":"x"}' } },
      { id: "b", type: "function", function: { name: "list_files", arguments: "{}" } },
    ]);
  });

  it("sends no authorization header without a key", async () => {
    const server = await serve({ text: "ok" });
    await chat(config(server.baseUrl, { apiKey: undefined }));
    expect(server.requests[0]!.authorization).toBeUndefined();
  });

  it("names the endpoint and the status on an HTTP error, and never the key", async () => {
    const server = await serve({ status: 401, body: JSON.stringify({ error: { message: "invalid api key" } }) });
    const error = await chat(config(server.baseUrl)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EndpointError);
    expect((error as Error).message).toContain(`${server.baseUrl}/chat/completions answered HTTP 401`);
    expect((error as Error).message).toContain("invalid api key");
    expect((error as Error).message).toContain("WHARF_NATIVE_API_KEY");
    expect((error as Error).message).not.toContain("sk-secret-key");
  });

  it("says the endpoint could not be reached when nothing listens", async () => {
    const url = await deadBaseUrl();
    await expect(chat(config(url))).rejects.toThrow(new RegExp(`${url}/chat/completions could not be reached \\(.*ECONNREFUSED`));
  });

  it("refuses a stream event that is not JSON", async () => {
    const server = await serve({ raw: 'data: {"choices":[{"delta":{"content":"ok"}}]}\n\ndata: {not json\n\n' });
    await expect(chat(config(server.baseUrl))).rejects.toThrow(/sent a stream event that is not JSON: \{not json/);
  });

  it("reports an error the server sends inside the stream", async () => {
    const server = await serve({ raw: 'data: {"error":{"message":"model not loaded"}}\n\n' });
    await expect(chat(config(server.baseUrl))).rejects.toThrow(/reported an error mid-answer: model not loaded/);
  });

  it("gives up on a silent endpoint after the idle timeout", async () => {
    const server = await serve({ hang: true });
    const started = Date.now();
    await expect(chat(config(server.baseUrl, { idleTimeoutMs: 1000 }))).rejects.toThrow(/sent nothing for 1 s/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("aborts the request when the turn is cancelled", async () => {
    const server = await serve({ hang: true });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const error = await chat(config(server.baseUrl), controller.signal).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DOMException);
    expect((error as DOMException).name).toBe("AbortError");
  });

  it("accepts a whole JSON completion from a server that does not stream", async () => {
    const server = await startFakeOpenAi(() => ({ status: 200, body: JSON.stringify({ choices: [{ message: { content: "whole", tool_calls: [{ id: "c1", function: { name: "list_files", arguments: "{}" } }] }, finish_reason: "tool_calls" }] }) }));
    servers.push(server);
    const { result, texts } = await chat(config(server.baseUrl));
    expect(texts).toEqual(["whole"]);
    expect(result.toolCalls).toEqual([{ id: "c1", type: "function", function: { name: "list_files", arguments: "{}" } }]);
  });
});

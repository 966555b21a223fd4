import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A small OpenAI-compatible `/chat/completions` server for tests: it streams server-sent events
 * the way real servers do (role first, text and tool-call arguments in small pieces, a finish
 * reason, `[DONE]`), and what it answers is decided by a script that looks at the request's
 * messages. Every request is recorded.
 */

export type FakeMessage = {
  role: string;
  content?: string | null;
  tool_call_id?: string;
  tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }>;
};
export type FakeRequest = { authorization: string | undefined; body: { model: string; stream: boolean; messages: FakeMessage[]; tools?: unknown[] } };

export type FakeReply =
  | { text?: string; toolCalls?: Array<{ name: string; args: unknown }>; finishReason?: string; pieces?: number; delayMs?: number }
  | { status: number; body: string }
  | { raw: string }
  /** Streams `text` (if any), then neither finishes nor closes. */
  | { hang: true; text?: string };

export type FakeOpenAi = {
  baseUrl: string;
  requests: FakeRequest[];
  /** Resolves once `count` responses in all were closed by the client before they ended. */
  abortedResponses(count: number): Promise<void>;
  close(): Promise<void>;
};

function split(text: string, pieces: number): string[] {
  const n = Math.max(1, Math.min(pieces, text.length));
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(text.slice(Math.floor((i * text.length) / n), Math.floor(((i + 1) * text.length) / n)));
  return out;
}

let ids = 0;

/** The SSE body for a reply: every `data:` event a real server would send. */
export function sseEvents(reply: { text?: string; toolCalls?: Array<{ name: string; args: unknown }>; finishReason?: string; pieces?: number }): string[] {
  const id = `chatcmpl-${++ids}`;
  const chunk = (delta: object, finish: string | null = null) =>
    JSON.stringify({ id, object: "chat.completion.chunk", created: 0, model: "fake", choices: [{ index: 0, delta, finish_reason: finish }] });
  const pieces = reply.pieces ?? 3;
  const events = [chunk({ role: "assistant", content: "" })];
  if (reply.text) for (const piece of split(reply.text, pieces)) events.push(chunk({ content: piece }));
  for (const [index, call] of (reply.toolCalls ?? []).entries()) {
    const args = JSON.stringify(call.args);
    events.push(chunk({ tool_calls: [{ index, id: `call_${ids}_${index}`, type: "function", function: { name: call.name, arguments: "" } }] }));
    for (const piece of split(args, pieces)) events.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
  }
  events.push(chunk({}, reply.finishReason ?? (reply.toolCalls?.length ? "tool_calls" : "stop")));
  // As OpenAI does with stream_options.include_usage: a last chunk with no choices.
  events.push(JSON.stringify({ id, object: "chat.completion.chunk", created: 0, model: "fake", choices: [], usage: { prompt_tokens: 100, completion_tokens: 10, total_tokens: 110 } }));
  events.push("[DONE]");
  return events;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function startFakeOpenAi(script: (request: FakeRequest, index: number) => FakeReply): Promise<FakeOpenAi> {
  const requests: FakeRequest[] = [];
  const open = new Set<ServerResponse>();
  let aborted = 0;
  const abortWaiters = new Set<() => void>();
  const server: Server = createServer((req, res) => {
    open.add(res);
    res.on("close", () => {
      open.delete(res);
      if (res.writableEnded) return;
      aborted++;
      for (const wake of [...abortWaiters]) wake();
    });
    void (async () => {
      if (req.method !== "POST" || !req.url?.endsWith("/v1/chat/completions")) {
        res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: `no route ${req.method} ${req.url}` } }));
        return;
      }
      const request: FakeRequest = { authorization: req.headers.authorization, body: JSON.parse(await readBody(req)) as FakeRequest["body"] };
      requests.push(request);
      const reply = script(request, requests.length - 1);
      if ("hang" in reply) {
        if (reply.text) {
          res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
          for (const data of sseEvents({ text: reply.text }).slice(0, -3)) res.write(`data: ${data}\n\n`);
        }
        return;
      }
      if ("status" in reply) {
        res.writeHead(reply.status, { "content-type": "application/json" }).end(reply.body);
        return;
      }
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      if ("raw" in reply) {
        res.end(reply.raw);
        return;
      }
      for (const data of sseEvents(reply)) {
        res.write(`data: ${data}\n\n`);
        if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
      }
      res.end();
    })().catch((error: unknown) => {
      res.destroy(error instanceof Error ? error : new Error(String(error)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    abortedResponses: (count) =>
      new Promise<void>((resolve) => {
        const wake = () => {
          if (aborted < count) return;
          abortWaiters.delete(wake);
          resolve();
        };
        abortWaiters.add(wake);
        wake();
      }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const res of open) res.destroy();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** The last message of a request, and the tool result for it if it is one. */
export function lastMessage(request: FakeRequest): FakeMessage {
  const last = request.body.messages.at(-1);
  if (!last) throw new Error("the request has no messages");
  return last;
}

/** A base URL where nothing listens (a port that was just free). */
export async function deadBaseUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  return `http://127.0.0.1:${port}/v1`;
}

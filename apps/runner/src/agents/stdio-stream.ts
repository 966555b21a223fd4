import type { Readable, Writable } from "node:stream";
import type { AnyMessage, Stream } from "@agentclientprotocol/sdk";

/**
 * Newline-delimited JSON-RPC over an agent's stdin/stdout, as an ACP SDK `Stream`.
 *
 * Unlike the SDK's own `ndJsonStream`, which answers a bad line with a parse error and carries
 * on, anything on stdout that is not a JSON-RPC message is reported through `onGarbage` (the
 * session fails: an agent that mixes logs into the protocol cannot be trusted to be understood).
 * `intercept` sees every message first, synchronously and in arrival order; returning true keeps
 * it from the SDK (the session handles `session/update` there, so updates are delivered in exactly
 * the order they were written, ahead of any response that followed them).
 */

export type StdioStreamHooks = {
  intercept(message: Record<string, unknown>): boolean;
  onGarbage(line: string, why: string): void;
};

export type StdioStream = {
  stream: Stream;
  /** Ends the message stream (once the process is gone); the SDK connection then closes. */
  end(): void;
};

const maxLineBytes = 32 * 1024 * 1024;

function isMessage(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  return "method" in value || "id" in value;
}

export function stdioStream(stdin: Writable, stdout: Readable, hooks: StdioStreamHooks): StdioStream {
  let controller: ReadableStreamDefaultController<AnyMessage> | undefined;
  let ended = false;
  let broken = false;
  let pending: Buffer[] = [];
  let pendingBytes = 0;

  const garbage = (line: string, why: string) => {
    broken = true;
    hooks.onGarbage(line.length > 200 ? `${line.slice(0, 200)}…` : line, why);
  };

  /** One line as read (JSON.parse allows the whitespace around it; a blank line is skipped). */
  const handleLine = (line: string) => {
    if (line.length === 0) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      if (line.trim().length > 0) garbage(line.trim(), "it is not JSON");
      return;
    }
    if (!isMessage(value)) {
      garbage(line, "it is JSON but not a JSON-RPC message");
      return;
    }
    if (hooks.intercept(value)) return;
    if (!cancelled) controller?.enqueue(value as AnyMessage);
  };

  stdout.on("data", (chunk: Buffer) => {
    if (broken || ended) return;
    let offset = 0;
    let newline = chunk.indexOf(0x0a, offset);
    while (newline >= 0 && !broken) {
      // Decoded straight from the chunk: no Buffer view per line (thousands a second).
      const line = pending.length === 0 ? chunk.toString("utf8", offset, newline) : Buffer.concat([...pending, chunk.subarray(offset, newline)]).toString("utf8");
      pending = [];
      pendingBytes = 0;
      handleLine(line);
      offset = newline + 1;
      newline = chunk.indexOf(0x0a, offset);
    }
    if (broken || offset >= chunk.length) return;
    pending.push(chunk.subarray(offset));
    pendingBytes += chunk.length - offset;
    if (pendingBytes > maxLineBytes) {
      garbage(Buffer.concat(pending).subarray(0, 200).toString("utf8"), `a line is longer than ${maxLineBytes} bytes`);
      pending = [];
    }
  });

  let cancelled = false;
  const readable = new ReadableStream<AnyMessage>({
    start(c) {
      controller = c;
    },
    cancel() {
      // The SDK connection closed: nothing reads messages any more.
      cancelled = true;
    },
  });

  const writable = new WritableStream<AnyMessage>({
    write(message) {
      return new Promise<void>((resolve, reject) => {
        if (stdin.destroyed || stdin.writableEnded) {
          reject(new Error("the agent's standard input is closed"));
          return;
        }
        stdin.write(`${JSON.stringify(message)}\n`, (error) => (error ? reject(error) : resolve()));
      });
    },
  });

  return {
    stream: { readable, writable },
    end() {
      if (ended) return;
      ended = true;
      if (!broken && pendingBytes > 0) handleLine(Buffer.concat(pending).toString("utf8"));
      pending = [];
      if (!cancelled) controller?.close();
    },
  };
}

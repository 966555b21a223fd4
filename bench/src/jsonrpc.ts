import { z } from "zod";

/** One newline-delimited JSON-RPC message from an agent's stdout (ACP over stdio). */
const rpcMessageSchema = z.looseObject({
  id: z.union([z.number(), z.string()]).optional(),
  method: z.string().optional(),
  result: z.unknown().optional(),
  error: z.looseObject({ message: z.string() }).optional(),
  params: z.unknown().optional(),
});
export type RpcMessage = z.infer<typeof rpcMessageSchema>;

/** The parts of `session/update` params the benchmarks read. */
const sessionUpdateParamsSchema = z.looseObject({
  update: z.looseObject({
    sessionUpdate: z.string(),
    content: z.looseObject({ text: z.string().optional() }).optional(),
  }),
});

export const newSessionResultSchema = z.looseObject({ sessionId: z.string() });

/** A parsed message, or null for a line that is not JSON-RPC. */
export function parseRpcLine(line: string): RpcMessage | null {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return null;
  }
  const parsed = rpcMessageSchema.safeParse(json);
  return parsed.success ? parsed.data : null;
}

/** The agent text of a `session/update` notification, if it is an agent message chunk. */
export function agentChunkText(message: RpcMessage): string | null {
  if (message.method !== "session/update") return null;
  const params = sessionUpdateParamsSchema.safeParse(message.params);
  if (!params.success || params.data.update.sessionUpdate !== "agent_message_chunk") return null;
  return params.data.update.content?.text ?? "";
}

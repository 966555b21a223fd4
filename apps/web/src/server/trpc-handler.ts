import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { appRouter, createTRPCContext, MAX_BATCH_SIZE, MAX_REQUEST_BYTES, type Services } from "@wharf/api";
import { isAllowedHost, refuseHost } from "./allowed-hosts";

export type TRPCHandlerOptions = {
  /** The process's services (created once, shared by every request). */
  services: () => Promise<Services>;
  /** The access token requests must present; read per request so a rotated token takes effect. */
  accessToken: () => string;
  /** Writes a new access token and returns it (`auth.rotateToken`). */
  rotateToken?: () => string;
  endpoint?: string;
  /** Host names served besides loopback (DNS rebinding defence; the proxy checks pages too). */
  allowedHosts?: () => readonly string[];
};

export const MAX_BATCH = MAX_BATCH_SIZE;
export const MAX_BODY_BYTES = MAX_REQUEST_BYTES;

function tooLarge(): Response {
  return Response.json(
    { error: { message: `The request body is larger than ${MAX_BODY_BYTES} bytes. Send less at once (prompts are at most 100 000 characters).` } },
    { status: 413 },
  );
}

/**
 * The request with its body read into memory, or a 413 once it passes MAX_BODY_BYTES (whether
 * Content-Length says so up front or a chunked body gets there), without reading the rest.
 */
async function boundedBody(req: Request): Promise<Request | Response> {
  if (!req.body) return req;
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) return tooLarge();
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > MAX_BODY_BYTES) {
        await reader.cancel();
        return tooLarge();
      }
      chunks.push(value);
    }
  } catch (error) {
    return Response.json({ error: { message: `The request body could not be read: ${(error as Error).message}` } }, { status: 400 });
  }
  return new Request(req.url, { method: req.method, headers: req.headers, body: Buffer.concat(chunks), signal: req.signal });
}

/**
 * The `/api/trpc` handler: queries and mutations (batched, streamed) and subscriptions over SSE.
 * A subscription's response stays open; when the client goes away the request's signal aborts
 * and the subscription's generator ends.
 */
export function createTRPCHandler(opts: TRPCHandlerOptions): (req: Request) => Promise<Response> {
  // Streams opened before a rotation were authenticated with the old token: a rotation ends them
  // all, and clients that reconnect must present the new token.
  let tokenGeneration = new AbortController();
  const rotateToken = opts.rotateToken
    ? () => {
        const token = opts.rotateToken!();
        const old = tokenGeneration;
        tokenGeneration = new AbortController();
        old.abort(new Error("The access token was rotated."));
        return token;
      }
    : undefined;
  return async (incoming) => {
    const req = incoming.method === "GET" ? new Request(incoming, { signal: AbortSignal.any([incoming.signal, tokenGeneration.signal]) }) : incoming;
    const host = req.headers.get("host");
    if (!isAllowedHost(host, opts.allowedHosts?.() ?? [])) return refuseHost(host);
    let services: Services;
    try {
      services = await opts.services();
    } catch (error) {
      console.error("The API cannot reach its services:", error);
      return Response.json(
        { error: { message: `Wharf's API cannot start: ${(error as Error).message}` } },
        { status: 503 },
      );
    }
    const bounded = await boundedBody(req);
    if (bounded instanceof Response) return bounded;
    return fetchRequestHandler({
      endpoint: opts.endpoint ?? "/api/trpc",
      req: bounded,
      router: appRouter,
      maxBatchSize: MAX_BATCH,
      createContext: ({ info }) =>
        createTRPCContext({
          services,
          headers: bounded.headers,
          accessToken: opts.accessToken(),
          connectionParams: info.connectionParams,
          ...(rotateToken ? { rotateToken } : {}),
        }),
      onError({ path, error }) {
        if (error.code === "INTERNAL_SERVER_ERROR") console.error(`tRPC ${path ?? "(no path)"} failed:`, error);
      },
    });
  };
}

import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { appRouter, createTRPCContext, type Services } from "@wharf/api";
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
    return fetchRequestHandler({
      endpoint: opts.endpoint ?? "/api/trpc",
      req,
      router: appRouter,
      createContext: ({ info }) =>
        createTRPCContext({
          services,
          headers: req.headers,
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

import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { ZodError } from "zod";
import { tokenMatches } from "./auth/token";
import type { Services } from "./services";

export type CreateContextOptions = {
  services: Services;
  headers: Headers;
  /** The token every request must present. */
  accessToken: string;
  /**
   * tRPC connection params (`httpSubscriptionLink`'s `connectionParams`): a browser's EventSource
   * cannot send headers, so its subscriptions carry `{token}` here instead.
   */
  connectionParams?: Record<string, string | undefined> | null;
};

export function createTRPCContext(opts: CreateContextOptions) {
  const header = opts.headers.get("authorization");
  const bearer = header?.startsWith("Bearer ") ? header.slice("Bearer ".length).trim() : (opts.connectionParams?.token ?? null);
  return {
    services: opts.services,
    headers: opts.headers,
    authenticated: tokenMatches(bearer, opts.accessToken),
    /** Who acts, for audit fields such as "answered by". */
    actor: opts.headers.get("x-wharf-actor")?.slice(0, 100) ?? "api",
  };
}
export type Context = ReturnType<typeof createTRPCContext>;

const t = initTRPC.context<Context>().create({
  transformer: superjson,
  // Subscriptions over SSE: a comment-sized ping every 10 s keeps proxies from closing idle streams,
  // and a client that hears nothing for 25 s reconnects (resuming from its last event id).
  sse: {
    ping: { enabled: true, intervalMs: 10_000 },
    client: { reconnectAfterInactivityMs: 25_000 },
  },
  errorFormatter({ shape, error }) {
    const zod = error.cause instanceof ZodError ? error.cause : null;
    return {
      ...shape,
      message: zod ? zod.issues.map((i) => `${i.path.join(".") || "input"}: ${i.message}`).join("; ") : shape.message,
      data: { ...shape.data, stack: undefined, zodIssues: zod?.issues.map((i) => ({ path: i.path, message: i.message })) },
    };
  },
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Every procedure requires the access token. */
export const protectedProcedure = t.procedure.use(({ ctx, next }) => {
  if (!ctx.authenticated) {
    throw new TRPCError({
      code: "UNAUTHORIZED",
      message: "Missing or wrong access token. Send 'Authorization: Bearer <token>' (the token is in WHARF_HOME/token).",
    });
  }
  return next({ ctx });
});

import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { ZodError } from "zod";
import { isTaskToken, resolveTaskToken, TaskTokenError } from "./auth/task-token";
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
  /** Writes a new access token and returns it (`auth.rotateToken`); absent where rotation is not possible. */
  rotateToken?: () => string;
};

/** The browser's session cookie: the access token, httpOnly and SameSite=Strict. */
export const SESSION_COOKIE = "wharf_session";

/** The value of one cookie in a Cookie header. */
export function readCookie(headers: Headers, name: string): string | null {
  for (const part of (headers.get("cookie") ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return null;
}

/**
 * True when the request comes from Wharf's own pages: an Origin whose host is the Host header.
 * Browsers send no Origin on same-origin GETs (EventSource), but do send the fetch-metadata
 * header `Sec-Fetch-Site: same-origin`, which pages on other sites cannot set.
 */
export function sameOrigin(headers: Headers): boolean {
  const origin = headers.get("origin");
  const host = headers.get("host");
  if (!origin) return headers.get("sec-fetch-site") === "same-origin";
  if (!host || origin === "null") return false;
  try {
    const url = new URL(origin);
    return (url.protocol === "http:" || url.protocol === "https:") && url.host.toLowerCase() === host.toLowerCase();
  } catch {
    return false;
  }
}

export function createTRPCContext(opts: CreateContextOptions) {
  const header = opts.headers.get("authorization");
  const bearer = header?.startsWith("Bearer ") ? header.slice("Bearer ".length).trim() : (opts.connectionParams?.token ?? null);
  const cookie = bearer ? null : readCookie(opts.headers, SESSION_COOKIE);
  const authenticated = tokenMatches(bearer ?? cookie, opts.accessToken);
  return {
    services: opts.services,
    headers: opts.headers,
    authenticated,
    /**
     * How the request authenticated. A cookie is sent by the browser on its own, so requests that
     * change something or stream must also prove they come from Wharf's own pages (Origin).
     */
    via: !authenticated ? null : bearer ? ("token" as const) : ("cookie" as const),
    sameOrigin: sameOrigin(opts.headers),
    /**
     * A bearer token scoped to one task (an agent's `wharf mcp`), checked against the database by
     * `taskProcedure`, the only procedures that take it; every other one refuses it.
     */
    taskToken: !authenticated && isTaskToken(bearer) ? bearer : null,
    /** Who acts, for audit fields such as "answered by". */
    actor: opts.headers.get("x-wharf-actor")?.slice(0, 100) ?? "api",
    rotateToken: opts.rotateToken,
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

/**
 * Every procedure requires the access token (bearer header, or the session cookie). Mutations
 * and subscriptions authenticated by cookie need a same-origin Origin header; a missing Origin
 * is refused too.
 */
export const protectedProcedure = t.procedure.use(({ ctx, next, type, path }) => {
  if (!ctx.authenticated && ctx.taskToken) {
    throw new TRPCError({
      code: "FORBIDDEN",
      message: `A token scoped to a task may call only ${TASK_PROCEDURES.join(", ")}; ${path} needs Wharf's access token.`,
    });
  }
  if (!ctx.authenticated) {
    throw new TRPCError({
      code: "UNAUTHORIZED",
      message: "Missing or wrong access token. Send 'Authorization: Bearer <token>' (the token is in WHARF_HOME/token).",
    });
  }
  if (ctx.via === "cookie" && type !== "query" && !ctx.sameOrigin) {
    throw new TRPCError({
      code: "FORBIDDEN",
      message: "Cross-origin request refused: requests signed in by cookie must come from Wharf's own pages.",
    });
  }
  return next({ ctx });
});

/** What a task-scoped token may call: the `mcp` router, each of its procedures a `taskProcedure`. */
export const TASK_PROCEDURES = ["mcp.createSubtask", "mcp.listTasks", "mcp.getTask", "mcp.waitForTask"] as const;

/**
 * Procedures that act for one task, called by that task's agent through Wharf's MCP server with a
 * token scoped to the task (see auth/task-token.ts). The token is looked up at every call, so it
 * stops working as soon as the task reaches a final state. The access token is refused here: these
 * procedures have no task without one.
 */
export const taskProcedure = t.procedure.use(async ({ ctx, next, path }) => {
  if (!ctx.taskToken) {
    throw new TRPCError({
      code: ctx.authenticated ? "FORBIDDEN" : "UNAUTHORIZED",
      message: `${path} acts for one task: call it with the token scoped to that task (WHARF_TASK_TOKEN, given to the task's agent). With the access token, use task.* instead.`,
    });
  }
  let principal;
  try {
    principal = await resolveTaskToken(ctx.services.pool, ctx.taskToken);
  } catch (error) {
    if (error instanceof TaskTokenError) throw new TRPCError({ code: "UNAUTHORIZED", message: error.message });
    throw error;
  }
  return next({ ctx: { ...ctx, principal } });
});

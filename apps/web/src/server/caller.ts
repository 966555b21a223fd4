import { appRouter, createCallerFactory, createTRPCContext, readAccessToken } from "@wharf/api";
import { headers } from "next/headers";
import { env } from "~/env";
import { getServices } from "./services";

const createCaller = createCallerFactory(appRouter);

/**
 * The API called in-process from a server component, as the person's browser would call it: with
 * the request's own headers (its session cookie), so the same access check applies. For first
 * data rendered into a page; everything after that goes through /api/trpc.
 */
export async function serverCaller() {
  return createCaller(await serverContext());
}

/** The context a request's own call would get (its session cookie decides access). */
export async function serverContext() {
  const [services, requestHeaders] = await Promise.all([getServices(), headers()]);
  return createTRPCContext({ services, headers: new Headers(requestHeaders), accessToken: readAccessToken(env().home) });
}

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
  const [services, requestHeaders] = await Promise.all([getServices(), headers()]);
  return createCaller(createTRPCContext({ services, headers: new Headers(requestHeaders), accessToken: readAccessToken(env().home) }));
}

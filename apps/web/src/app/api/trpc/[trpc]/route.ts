import { readAccessToken, rotateAccessToken } from "@wharf/api";
import { allowedHosts, env } from "~/env";
import { getServices } from "~/server/services";
import { createTRPCHandler } from "~/server/trpc-handler";

// Subscriptions are long-lived SSE responses: never cache or prerender, run on Node (pg, LISTEN).
export const dynamic = "force-dynamic";
export const runtime = "nodejs";

const handler = createTRPCHandler({
  services: getServices,
  accessToken: () => readAccessToken(env().home),
  rotateToken: () => rotateAccessToken(env().home),
  allowedHosts,
});

export { handler as GET, handler as POST };

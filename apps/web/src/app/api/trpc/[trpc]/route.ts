import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { appRouter, createTRPCContext, readAccessToken } from "@wharf/api";
import { env } from "~/env";
import { getServices } from "~/server/services";

export const dynamic = "force-dynamic";

async function handler(req: Request): Promise<Response> {
  let services;
  try {
    services = await getServices();
  } catch (error) {
    console.error("The API cannot reach its services:", error);
    return Response.json(
      { error: { message: `Wharf's API cannot start: ${(error as Error).message}` } },
      { status: 503 },
    );
  }
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    // Read per request so that a rotated token takes effect without a restart.
    createContext: () => createTRPCContext({ services, headers: req.headers, accessToken: readAccessToken(env().home) }),
    onError({ path, error }) {
      if (error.code === "INTERNAL_SERVER_ERROR") console.error(`tRPC ${path ?? "(no path)"} failed:`, error);
    },
  });
}

export { handler as GET, handler as POST };

import { appRouter, createCallerFactory, createTRPCContext, readAccessToken } from "@wharf/api";
import { env } from "~/env";
import { getServices } from "./services";

const createCaller = createCallerFactory(appRouter);

/** A tRPC caller for server components, acting with the server's own access token. */
export async function serverCaller() {
  const token = readAccessToken(env().home);
  const services = await getServices();
  const headers = new Headers({ authorization: `Bearer ${token}`, "x-wharf-actor": "web" });
  return createCaller(createTRPCContext({ services, headers, accessToken: token }));
}

import { createServices, type Services } from "@wharf/api";
import { env } from "~/env";

// One set of services (pg pool, pg-boss sender, live hub) per process; kept on globalThis so that
// module reloads in development reuse it instead of opening new pools.
const holder = globalThis as typeof globalThis & { wharfServices?: Promise<Services> };

export function getServices(): Promise<Services> {
  holder.wharfServices ??= createServices({ databaseUrl: env().databaseUrl, home: env().home, npmRegistry: env().npmRegistry }).catch((error: unknown) => {
    // Let the next request try again instead of caching the failure.
    holder.wharfServices = undefined;
    throw error;
  });
  return holder.wharfServices;
}

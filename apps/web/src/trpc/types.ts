import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@wharf/api";

/** What each procedure takes, as the API declares it: `RouterInputs["agent"]["upsert"]`. */
export type RouterInputs = inferRouterInputs<AppRouter>;
/** What each procedure returns, as the API builds it: `RouterOutputs["agent"]["list"]`. */
export type RouterOutputs = inferRouterOutputs<AppRouter>;

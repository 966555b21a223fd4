import { httpBatchStreamLink, httpSubscriptionLink, splitLink } from "@trpc/client";
import type { AppRouter } from "@wharf/api";
import { MAX_BATCH_SIZE } from "@wharf/api/limits";
import superjson from "superjson";

/**
 * The links of a Wharf client: subscriptions over SSE (`httpSubscriptionLink`), everything else
 * batched and streamed. In the browser the session cookie authenticates both (same origin); with
 * a `token` (tests, tools) subscriptions carry it as a connection param, since EventSource cannot
 * send headers, and the rest in `Authorization`. Resuming after a dropped stream is tRPC's: the
 * client sends the last event id it saw and `task.events` continues after it.
 */
export function wharfLinks(opts: { url: string; token?: string }) {
  const token = opts.token;
  return [
    splitLink<AppRouter>({
      condition: (op) => op.type === "subscription",
      true: httpSubscriptionLink({ url: opts.url, transformer: superjson, ...(token ? { connectionParams: { token } } : {}) }),
      false: httpBatchStreamLink({ url: opts.url, transformer: superjson, maxItems: MAX_BATCH_SIZE, ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}) }),
    }),
  ];
}

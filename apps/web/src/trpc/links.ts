import { httpBatchStreamLink, httpSubscriptionLink, splitLink } from "@trpc/client";
import type { AppRouter } from "@wharf/api";
import superjson from "superjson";

/**
 * The links of a Wharf client: subscriptions over SSE (`httpSubscriptionLink`; a browser's
 * EventSource cannot send headers, so the token travels as a connection param), everything else
 * batched and streamed with the token in `Authorization`. Resuming after a dropped stream is
 * tRPC's: the client sends the last event id it saw and `task.events` continues after it.
 */
export function wharfLinks(opts: { url: string; token: string }) {
  return [
    splitLink<AppRouter>({
      condition: (op) => op.type === "subscription",
      true: httpSubscriptionLink({ url: opts.url, transformer: superjson, connectionParams: { token: opts.token } }),
      false: httpBatchStreamLink({ url: opts.url, transformer: superjson, headers: { authorization: `Bearer ${opts.token}` } }),
    }),
  ];
}

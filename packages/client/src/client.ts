import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink, type TRPCClient } from "@trpc/client";
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@wharf/api";
import { MAX_BATCH_SIZE } from "@wharf/api/limits";
import { EventSource, type FetchLike } from "eventsource";
import superjson from "superjson";

export type { AppRouter };
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
export type WharfClient = TRPCClient<AppRouter>;

export type WharfClientOptions = {
  /** Wharf's address, e.g. `http://127.0.0.1:7777` (the API is at `<url>/api/trpc`). */
  url: string;
  /** The access token (`$WHARF_HOME/token`). */
  token: string;
  /** Who acts, recorded as "answered by" on permission answers. Default `client`. */
  actor?: string;
};

/** The tRPC endpoint of a Wharf address; an address that already names it is kept. */
export function apiEndpoint(url: string): string {
  const base = url.replace(/\/+$/, "");
  return base.endsWith("/api/trpc") ? base : `${base}/api/trpc`;
}

/**
 * A fully typed client of Wharf's API: queries and mutations are batched over HTTP, subscriptions
 * (`task.events`, `board.changes`) come over SSE. Both send `Authorization: Bearer <token>`.
 * A dropped SSE stream reconnects by itself and resumes after the last event it delivered
 * (tRPC sends the last tracked id as `lastEventId`), so no event is lost or repeated.
 */
export function createWharfClient(opts: WharfClientOptions): WharfClient {
  const url = apiEndpoint(opts.url);
  const headers = { authorization: `Bearer ${opts.token}`, "x-wharf-actor": opts.actor ?? "client" };
  const sseFetch: FetchLike = (input, init) => fetch(input, { ...init, headers: { ...init.headers, ...headers } });
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === "subscription",
        true: httpSubscriptionLink({ url, transformer: superjson, EventSource, eventSourceOptions: { fetch: sseFetch } }),
        // The server refuses larger batches.
        false: httpBatchLink({ url, transformer: superjson, headers, maxItems: MAX_BATCH_SIZE }),
      }),
    ],
  });
}

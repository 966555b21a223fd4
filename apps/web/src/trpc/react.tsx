"use client";

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createTRPCClient } from "@trpc/client";
import { createTRPCContext } from "@trpc/tanstack-react-query";
import type { AppRouter } from "@wharf/api";
import { useState, type ReactNode } from "react";
import superjson from "superjson";
import { wharfLinks } from "./links";

/** Hooks for client components: `const trpc = useTRPC(); useQuery(trpc.health.check.queryOptions())`. */
const trpcContext = createTRPCContext<AppRouter>();
const { TRPCProvider } = trpcContext;
export const { useTRPC, useTRPCClient } = trpcContext;

/** Server-rendered pages hand their first answers over dehydrated with superjson (see app/page.tsx). */
function makeQueryClient() {
  return new QueryClient({ defaultOptions: { queries: { staleTime: 30_000 }, hydrate: { deserializeData: superjson.deserialize } } });
}

/**
 * Wraps the app with a query client and a tRPC client. The browser authenticates with its
 * session cookie (set by /login), so no token is in the page. A tab should hold at most one `board.changes`
 * and one `task.events` subscription at a time: browsers allow six HTTP/1.1 connections per origin.
 */
export function TRPCReactProvider({ children }: { children: ReactNode }) {
  const [queryClient] = useState(makeQueryClient);
  const [trpcClient] = useState(() => createTRPCClient<AppRouter>({ links: wharfLinks({ url: "/api/trpc" }) }));
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}

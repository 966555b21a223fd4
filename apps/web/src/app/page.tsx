import { dehydrate, HydrationBoundary, QueryClient, type DehydratedState } from "@tanstack/react-query";
import { createTRPCOptionsProxy } from "@trpc/tanstack-react-query";
import { appRouter } from "@wharf/api";
import { connection } from "next/server";
import superjson from "superjson";
import { Board } from "~/components/board";
import { finishedColumnInput, finishedColumns } from "~/lib/board-queries";
import { serverContext } from "~/server/caller";

/**
 * The board renders with its first answers already in the HTML (projects, agents, the live
 * columns and the first page of each finished column): the cards are on screen at the first
 * paint, not after the scripts and a round trip. The board's own queries find them in the query
 * cache under the same keys, then follow `board.changes` as before. A query that fails here (the
 * database away) is simply not included, and the browser asks for it.
 */
export default async function BoardPage() {
  // Rendered per request, with the request's cookie: without this the build prerenders the page
  // once, where reading the request's headers fails inside firstData's catch, and every visit got
  // an empty board that then asked for its data after the scripts ran.
  await connection();
  return (
    <HydrationBoundary state={await firstData()}>
      <Board renderedAt={Date.now()} />
    </HydrationBoundary>
  );
}

async function firstData(): Promise<DehydratedState | undefined> {
  try {
    const ctx = await serverContext();
    const queryClient = new QueryClient();
    const trpc = createTRPCOptionsProxy({ router: appRouter, ctx, queryClient });
    await Promise.all([
      queryClient.prefetchQuery(trpc.project.list.queryOptions()),
      queryClient.prefetchQuery(trpc.agent.list.queryOptions()),
      queryClient.prefetchQuery(trpc.board.live.queryOptions({})),
      ...finishedColumns.map((id) =>
        queryClient.prefetchInfiniteQuery(
          trpc.board.finished.infiniteQueryOptions(finishedColumnInput(id, {}, false), { getNextPageParam: (last) => last.nextCursor ?? undefined }),
        ),
      ),
    ]);
    return dehydrate(queryClient, { serializeData: superjson.serialize });
  } catch {
    return undefined;
  }
}

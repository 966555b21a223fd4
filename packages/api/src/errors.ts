import { TRPCError } from "@trpc/server";
import { LifecycleError } from "./lifecycle/errors";
import { DatabaseUnavailableError } from "./live/hub";

export const notFound = (what: string, id: string) =>
  new TRPCError({ code: "NOT_FOUND", message: `${what} ${id} does not exist.` });

const lifecycleCodes = { conflict: "CONFLICT", not_found: "NOT_FOUND", bad_request: "BAD_REQUEST" } as const;

/** A refused or impossible lifecycle transition, as the API answers it; other errors pass through. */
function lifecycleToTRPCError(error: unknown): unknown {
  if (error instanceof LifecycleError) return new TRPCError({ code: lifecycleCodes[error.kind], message: error.message, cause: error });
  return error;
}

/** Runs a procedure's work, answering lifecycle errors with their TRPCError code. */
export async function atEdge<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw lifecycleToTRPCError(error);
  }
}

/**
 * SERVICE_UNAVAILABLE: a code tRPC's SSE client treats as retryable, so a subscription that ends
 * with it reconnects by itself (with Last-Event-ID) instead of failing for good.
 */
const unavailable = (error: DatabaseUnavailableError) => new TRPCError({ code: "SERVICE_UNAVAILABLE", message: error.message, cause: error });

/** A subscription's error as the client should see it: a lost database is a retryable SERVICE_UNAVAILABLE. */
export const retryableError = (error: unknown): unknown => (error instanceof DatabaseUnavailableError ? unavailable(error) : error);

/** Runs a subscription's stream, turning a lost database into a retryable SERVICE_UNAVAILABLE. */
export async function* retryableWhenUnavailable<T>(stream: AsyncIterable<T>): AsyncGenerator<T, void, undefined> {
  try {
    yield* stream;
  } catch (error) {
    throw retryableError(error);
  }
}

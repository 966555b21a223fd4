import { TRPCError } from "@trpc/server";
import { DatabaseUnavailableError } from "./live/hub";

/** A domain error: a code the API edge maps to an HTTP status, and a message a person can act on. */
export class DomainError extends Error {
  constructor(
    readonly code: "NOT_FOUND" | "BAD_REQUEST" | "CONFLICT" | "PRECONDITION_FAILED",
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "DomainError";
  }
}

export const notFound = (what: string, id: string) =>
  new TRPCError({ code: "NOT_FOUND", message: `${what} ${id} does not exist.` });

export function toTRPCError(error: unknown): TRPCError {
  if (error instanceof TRPCError) return error;
  if (error instanceof DatabaseUnavailableError) return unavailable(error);
  if (error instanceof DomainError) return new TRPCError({ code: error.code, message: error.message, cause: error });
  return new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: "Internal error", cause: error });
}

/**
 * SERVICE_UNAVAILABLE: a code tRPC's SSE client treats as retryable, so a subscription that ends
 * with it reconnects by itself (with Last-Event-ID) instead of failing for good.
 */
export const unavailable = (error: DatabaseUnavailableError) => new TRPCError({ code: "SERVICE_UNAVAILABLE", message: error.message, cause: error });

/** Runs a subscription's stream, turning a lost database into a retryable SERVICE_UNAVAILABLE. */
export async function* retryableWhenUnavailable<T>(stream: AsyncIterable<T>): AsyncGenerator<T, void, undefined> {
  try {
    yield* stream;
  } catch (error) {
    throw error instanceof DatabaseUnavailableError ? unavailable(error) : error;
  }
}

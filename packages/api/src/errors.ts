import { TRPCError } from "@trpc/server";

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
  if (error instanceof DomainError) return new TRPCError({ code: error.code, message: error.message, cause: error });
  return new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: "Internal error", cause: error });
}

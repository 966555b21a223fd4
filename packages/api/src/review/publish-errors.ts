import { TRPCError } from "@trpc/server";
import { isForgeError, type ForgeErrorKind } from "@wharf/forge";
import { PushError, type PushFailure } from "@wharf/git";

/*
 * Push and forge failures as the API answers them: a code a program can branch on and the
 * error's own message, which says what happened and what to do (never a stack, never the token).
 */

const pushCodes: Record<PushFailure, TRPCError["code"]> = {
  no_such_remote: "PRECONDITION_FAILED",
  auth_failed: "PRECONDITION_FAILED",
  rejected: "CONFLICT",
  unreachable: "BAD_GATEWAY",
  timed_out: "TIMEOUT",
  failed: "INTERNAL_SERVER_ERROR",
};

const forgeCodes: Record<ForgeErrorKind, TRPCError["code"]> = {
  auth_failed: "PRECONDITION_FAILED",
  not_found: "PRECONDITION_FAILED",
  branch_missing: "PRECONDITION_FAILED",
  already_exists: "CONFLICT",
  rejected: "UNPROCESSABLE_CONTENT",
  unreachable: "BAD_GATEWAY",
  timed_out: "TIMEOUT",
  bad_response: "BAD_GATEWAY",
};

/** A PushError or ForgeError as a TRPCError with its message; anything else as it is. */
export function publishErrorToTRPC(error: unknown): unknown {
  if (error instanceof PushError) return new TRPCError({ code: pushCodes[error.kind], message: error.message });
  if (isForgeError(error)) return new TRPCError({ code: forgeCodes[error.kind], message: error.message });
  return error;
}

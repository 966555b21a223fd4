import { TRPCClientError } from "@trpc/client";
import { WharfTokenError } from "./env.ts";
import { TaskEndedError } from "./wait.ts";

/** What went wrong, in the terms a script branches on. */
export type ErrorKind = "task_failed" | "bad_request" | "not_found" | "auth" | "unreachable" | "conflict" | "remote" | "server";

/** Exit codes of the `wharf` CLI, one per kind. */
export const exitCodes = {
  ok: 0,
  task_failed: 1,
  bad_request: 2,
  not_found: 3,
  auth: 4,
  unreachable: 5,
  conflict: 6,
  server: 7,
  remote: 8,
} as const satisfies Record<ErrorKind | "ok", number>;

/** Classifies an error thrown by a Wharf client call (or by `readToken`, `waitForTask`). */
export function errorKind(error: unknown): ErrorKind {
  if (error instanceof WharfTokenError) return "auth";
  if (error instanceof TaskEndedError) return "task_failed";
  if (error instanceof TRPCClientError) {
    const code: unknown = error.data?.code;
    switch (code) {
      case "NOT_FOUND":
        return "not_found";
      case "UNAUTHORIZED":
      case "FORBIDDEN":
        return "auth";
      case "BAD_REQUEST":
      case "PARSE_ERROR":
      case "UNPROCESSABLE_CONTENT":
        return "bad_request";
      case "BAD_GATEWAY":
      case "TIMEOUT":
        // Wharf answered: a git remote or a forge it talked to could not be reached.
        return "remote";
      case "CONFLICT":
      case "PRECONDITION_FAILED":
        return "conflict";
      case undefined:
        // No tRPC answer at all: the server could not be reached, or is not Wharf's API.
        return isConnectionFailure(error) ? "unreachable" : "server";
      default:
        return "server";
    }
  }
  if (isConnectionFailure(error)) return "unreachable";
  return "server";
}

function isConnectionFailure(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth += 1) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code && ["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EHOSTUNREACH", "ETIMEDOUT", "UND_ERR_CONNECT_TIMEOUT", "EAI_AGAIN"].includes(code)) return true;
    if (e instanceof TypeError && e.message === "fetch failed") return true;
  }
  return false;
}

import type { ForgeKind } from "./config";

export type ForgeErrorKind =
  | "auth_failed"
  | "not_found"
  | "already_exists"
  | "branch_missing"
  | "unreachable"
  | "timed_out"
  | "rejected"
  | "bad_response";

export interface ForgeErrorFields {
  forge: ForgeKind;
  /** The URL that was requested (never carries the token). */
  url: string;
  /** HTTP status, when the forge answered. */
  status?: number;
  /** What the forge said, as it said it (its `message`, `errors`, `error`). */
  detail?: string;
  cause?: unknown;
}

/** A forge request that did not do what was asked. `message` says what to do; fields are for programs. */
export class ForgeError extends Error {
  readonly kind: ForgeErrorKind;
  readonly forge: ForgeKind;
  readonly url: string;
  readonly status: number | undefined;
  readonly detail: string | undefined;

  constructor(kind: ForgeErrorKind, message: string, fields: ForgeErrorFields) {
    super(message, fields.cause === undefined ? undefined : { cause: fields.cause });
    this.name = "ForgeError";
    this.kind = kind;
    this.forge = fields.forge;
    this.url = fields.url;
    this.status = fields.status;
    this.detail = fields.detail;
  }
}

/** 401/403: the token is missing, wrong, expired or lacks the scope. */
export class ForgeAuthError extends ForgeError {
  constructor(message: string, fields: ForgeErrorFields) {
    super("auth_failed", message, fields);
    this.name = "ForgeAuthError";
  }
}

/** 404: no such repository, or the token cannot see it. */
export class ForgeNotFoundError extends ForgeError {
  constructor(message: string, fields: ForgeErrorFields) {
    super("not_found", message, fields);
    this.name = "ForgeNotFoundError";
  }
}

/** A pull/merge request for these branches is already open and could not be looked up. */
export class PullRequestExistsError extends ForgeError {
  constructor(message: string, fields: ForgeErrorFields) {
    super("already_exists", message, fields);
    this.name = "PullRequestExistsError";
  }
}

/** The head/source or base/target branch does not exist on the forge (push first). */
export class ForgeBranchMissingError extends ForgeError {
  readonly branch: string | undefined;
  constructor(message: string, fields: ForgeErrorFields & { branch?: string }) {
    super("branch_missing", message, fields);
    this.name = "ForgeBranchMissingError";
    this.branch = fields.branch;
  }
}

/** The forge could not be reached at all, or did not answer in time (`kind` tells which). */
export class ForgeUnreachableError extends ForgeError {
  constructor(kind: "unreachable" | "timed_out", message: string, fields: ForgeErrorFields) {
    super(kind, message, fields);
    this.name = "ForgeUnreachableError";
  }
}

export function isForgeError(error: unknown, kind?: ForgeErrorKind): error is ForgeError {
  return error instanceof ForgeError && (kind === undefined || error.kind === kind);
}

export const gitErrorCodes = [
  "not_found",
  "not_a_directory",
  "not_a_repository",
  "no_commits",
  "detached_head",
  "invalid_argument",
  "path_exists",
  "conflict",
  "dirty",
  "busy",
  "git_failed",
] as const;
export type GitErrorCode = (typeof gitErrorCodes)[number];

export interface GitErrorFields {
  /** The path the operation was about (repository, worktree, or file). */
  path?: string;
  /** The git command line, without the `-c` settings Wharf adds. */
  command?: string[];
  exitCode?: number;
  /** git's own stderr, trimmed. */
  stderr?: string;
  /** Files involved (conflicting or locally modified files). */
  files?: string[];
  cause?: unknown;
}

/**
 * A git operation that could not be done. `message` says what happened and what to do about it;
 * `code` is for programs (the API maps it to a tRPC error code).
 */
export class GitError extends Error {
  readonly code: GitErrorCode;
  readonly path: string | undefined;
  readonly command: string[] | undefined;
  readonly exitCode: number | undefined;
  readonly stderr: string | undefined;
  readonly files: string[] | undefined;

  constructor(code: GitErrorCode, message: string, fields: GitErrorFields = {}) {
    super(message, fields.cause === undefined ? undefined : { cause: fields.cause });
    this.name = "GitError";
    this.code = code;
    this.path = fields.path;
    this.command = fields.command;
    this.exitCode = fields.exitCode;
    this.stderr = fields.stderr;
    this.files = fields.files;
  }
}

export function isGitError(error: unknown, code?: GitErrorCode): error is GitError {
  return error instanceof GitError && (code === undefined || error.code === code);
}

/** The `code` of a Node system error (`ENOENT`, `ESRCH`, …), or undefined for anything else. */
export function errnoCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null || !("code" in error)) return undefined;
  return typeof error.code === "string" ? error.code : undefined;
}

/** True when `error` is a system error with this code. */
export function isErrno(error: unknown, code: string): boolean {
  return errnoCode(error) === code;
}

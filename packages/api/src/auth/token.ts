import { randomBytes, timingSafeEqual, createHash } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

/** The access token lives in `<wharfHome>/token`, readable by its owner only. */
export function tokenPath(home: string): string {
  return path.join(home, "token");
}

export class TokenError extends Error {
  constructor(
    message: string,
    readonly file: string,
  ) {
    super(message);
    this.name = "TokenError";
  }
}

/** Reads the token; throws a TokenError saying how to create one when it is missing. */
export function readAccessToken(home: string): string {
  const file = tokenPath(home);
  let text: string;
  try {
    text = readFileSync(file, "utf8").trim();
  } catch {
    throw new TokenError(
      `No access token at ${file}. Start Wharf once with "./wharf start" to create it.`,
      file,
    );
  }
  if (text.length < 32) throw new TokenError(`The access token in ${file} is too short; rotate it.`, file);
  const mode = statSync(file).mode & 0o777;
  if (mode & 0o077) chmodSync(file, 0o600);
  return text;
}

/** Creates the token on first start. Returns it and whether it was created now. */
export function ensureAccessToken(home: string): { token: string; created: boolean } {
  try {
    return { token: readAccessToken(home), created: false };
  } catch (error) {
    if (!(error instanceof TokenError)) throw error;
    return { token: rotateAccessToken(home), created: true };
  }
}

/** Writes a new random token atomically (0600) and returns it. Old tokens stop working. */
export function rotateAccessToken(home: string): string {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const token = `wharf_${randomBytes(24).toString("base64url")}`;
  const file = tokenPath(home);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${token}\n`, { mode: 0o600 });
  renameSync(tmp, file);
  return token;
}

/** Constant-time comparison of a presented token with the expected one. */
export function tokenMatches(presented: string | null | undefined, expected: string): boolean {
  if (!presented) return false;
  const a = createHash("sha256").update(presented).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

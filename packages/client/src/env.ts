import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export const DEFAULT_URL = "http://127.0.0.1:7777";

/** No usable access token: says which file was read and how to get one. */
export class WharfTokenError extends Error {
  readonly file: string;
  constructor(message: string, file: string) {
    super(message);
    this.name = "WharfTokenError";
    this.file = file;
  }
}

/** `WHARF_HOME`, default `${XDG_DATA_HOME:-~/.local/share}/wharf`. */
export function wharfHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.WHARF_HOME) return path.resolve(env.WHARF_HOME);
  const data = env.XDG_DATA_HOME || path.join(env.HOME || os.homedir(), ".local", "share");
  return path.join(data, "wharf");
}

/** Reads the access token from `<home>/token` (home defaults to `wharfHome()`). */
export function readToken(home: string = wharfHome()): string {
  const file = path.join(home, "token");
  let text: string;
  try {
    text = readFileSync(file, "utf8").trim();
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "does not exist" : `cannot be read (${(error as Error).message})`;
    throw new WharfTokenError(
      `No access token: ${file} ${reason}. Start Wharf once with "./wharf start", or pass --token / WHARF_TOKEN.`,
      file,
    );
  }
  if (!text) throw new WharfTokenError(`The token file ${file} is empty. Restart Wharf to create a new token.`, file);
  return text;
}

/** Address and token the way scripts find them: `WHARF_URL`, `WHARF_TOKEN`, else the token file. */
export function connectionFromEnv(env: NodeJS.ProcessEnv = process.env): { url: string; token: string } {
  return { url: env.WHARF_URL || DEFAULT_URL, token: env.WHARF_TOKEN || readToken(wharfHome(env)) };
}

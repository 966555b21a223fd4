import { mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/**
 * Wharf's data directory: `WHARF_HOME`, else `${XDG_DATA_HOME:-~/.local/share}/wharf`.
 * Created (readable by its owner only) when missing.
 */
export function wharfHome(env: NodeJS.ProcessEnv = process.env): string {
  const home = env.WHARF_HOME
    ? path.resolve(env.WHARF_HOME)
    : path.join(env.XDG_DATA_HOME ? path.resolve(env.XDG_DATA_HOME) : path.join(env.HOME || os.homedir(), ".local/share"), "wharf");
  mkdirSync(home, { recursive: true, mode: 0o700 });
  return home;
}

import { readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

/**
 * Wharf's own agent folder, `<WHARF_HOME>/agents`: an npm prefix the Install button installs
 * agents into (never a global install). Its `node_modules/.bin` comes first on the PATH agents
 * are looked up on, by detection and by the runner alike (`withInstalledAgents`).
 */
export function agentsDir(home: string): string {
  return path.join(home, "agents");
}

export function agentsBinDir(home: string): string {
  return path.join(agentsDir(home), "node_modules", ".bin");
}

/** The PATH an agent is found on and runs with: Wharf's agent folder first, then `searchPath`. */
export function withInstalledAgents(searchPath: string | undefined, home: string): string {
  const bin = agentsBinDir(home);
  const rest = (searchPath ?? "").split(path.delimiter).filter((dir) => dir && dir !== bin);
  return [bin, ...rest].join(path.delimiter);
}

const packageJson = z.object({ version: z.string().min(1).max(100) });

/** The version of `pkg` installed in Wharf's agent folder, or null when it is not there. */
export function installedVersion(home: string, pkg: string): string | null {
  try {
    const parsed = packageJson.safeParse(JSON.parse(readFileSync(path.join(agentsDir(home), "node_modules", pkg, "package.json"), "utf8")));
    return parsed.success ? parsed.data.version : null;
  } catch {
    return null; // not installed (or unreadable): either way not installed here
  }
}

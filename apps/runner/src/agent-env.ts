import { withInstalledAgents } from "@wharf/api/agents";
import { wharfHome } from "@wharf/db/pg";
import { processTagVar } from "./processes/proc-scan";

/**
 * The environment an agent process (and every terminal it opens) starts with.
 *
 * Only an allow-list of the runner's own variables is passed on — never the database URL, Wharf's
 * token or other secrets — plus the variables configured for the agent (its API keys, say: the
 * user's explicit choice, passed as given). Variables that would point git at another repository
 * or index are dropped from both, so the agent's git always works on the task's worktree.
 * Its PATH starts with Wharf's agent folder (`<WHARF_HOME>/agents/node_modules/.bin`), where
 * agents installed from the Agents page are, the same rule detection looks them up by.
 */

const allowedNames = new Set([
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "LANG",
  "LANGUAGE",
  "TERM",
  "COLORTERM",
  "SHELL",
  "TMPDIR",
  "TZ",
  "NO_COLOR",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "http_proxy",
  "https_proxy",
  "no_proxy",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "NODE_EXTRA_CA_CERTS",
]);
const allowedPrefixes = ["LC_", "XDG_"];

/** Git variables that redirect git away from the worktree or inject configuration. */
const gitRedirectNames = new Set([
  "GIT_DIR",
  "GIT_WORK_TREE",
  "GIT_INDEX_FILE",
  "GIT_OBJECT_DIRECTORY",
  "GIT_ALTERNATE_OBJECT_DIRECTORIES",
  "GIT_COMMON_DIR",
  "GIT_NAMESPACE",
  "GIT_CEILING_DIRECTORIES",
  "GIT_DISCOVERY_ACROSS_FILESYSTEM",
  "GIT_CONFIG",
  "GIT_CONFIG_PARAMETERS",
  "GIT_CONFIG_COUNT",
  "GIT_PREFIX",
  "GIT_QUARANTINE_PATH",
]);

/** Names that are not valid, redirect git, or are reserved for Wharf's process tracking. */
function isRejectedEnvName(name: string): boolean {
  const upper = name.toUpperCase();
  return (
    name === "" ||
    name.includes("=") ||
    name.includes("\0") ||
    upper === processTagVar ||
    gitRedirectNames.has(upper) ||
    upper.startsWith("GIT_CONFIG_KEY_") ||
    upper.startsWith("GIT_CONFIG_VALUE_")
  );
}

/** Runner variables that are never passed on, even if an allow-list entry matched them. */
function isRunnerSecret(name: string): boolean {
  const upper = name.toUpperCase();
  return upper === "DATABASE_URL" || upper.startsWith("PG") || upper.startsWith("WHARF_") || upper === "NODE_OPTIONS";
}

function isAllowedBaseName(name: string): boolean {
  return allowedNames.has(name) || allowedPrefixes.some((p) => name.startsWith(p));
}

/** Adds `extra` on top of an already scrubbed `env`, dropping rejected names and NUL values. */
export function mergeEnv(env: Record<string, string>, extra: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = { ...env };
  for (const [name, value] of Object.entries(extra)) {
    if (isRejectedEnvName(name) || value.includes("\0")) continue;
    out[name] = value;
  }
  return out;
}

export function agentEnv(base: NodeJS.ProcessEnv, agentVars: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (value === undefined || !isAllowedBaseName(name) || isRunnerSecret(name) || isRejectedEnvName(name)) continue;
    out[name] = value;
  }
  const env = mergeEnv(out, agentVars);
  env.PATH = withInstalledAgents(env.PATH, wharfHome(base));
  return env;
}

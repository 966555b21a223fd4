import { spawn } from "node:child_process";
import { accessSync, constants, readFileSync, realpathSync } from "node:fs";
import path from "node:path";
import { checkCommand } from "@wharf/common";

/** How an agent is started: a command and its arguments. */
export type Launch = { command: string; args: string[] };

export type DetectInput = Launch & {
  /** The agent's non-secret environment (its PATH, say). Secret variables are never used here. */
  env?: Record<string, string>;
  /** Arguments that make the command print its version; default `--version`. */
  versionArgs?: string[];
};

export type Detection = {
  available: boolean;
  /** e.g. "1.9.0"; null when the agent did not say. */
  version: string | null;
  /** Why it is not available, or (when available) why the version is unknown. */
  error: string | null;
};

export type DetectOptions = {
  /** Longest wait for the version command; it is killed (with its children) after this. */
  timeoutMs?: number;
  /** The environment the allow-list is taken from; default process.env. */
  baseEnv?: NodeJS.ProcessEnv;
};

const maxOutput = 8 * 1024;
const maxVersion = 60;

/** Variables the version command may see from the caller; everything else (DATABASE_URL, tokens) stays out. */
const allowedNames = new Set(["PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "TMPDIR", "TZ", "SHELL", "SystemRoot"]);
const allowedPrefixes = ["LC_", "XDG_"];

/** Names that never reach a detected command, even from the agent's own environment. */
function isRunnerSecret(name: string): boolean {
  const upper = name.toUpperCase();
  return upper === "DATABASE_URL" || upper.startsWith("PG") || upper.startsWith("WHARF_") || upper === "NODE_OPTIONS";
}

/**
 * The environment a version command runs with: an allow-list of the caller's variables, the
 * agent's non-secret variables, and no colour. No database URL, no token, no secrets.
 */
export function detectionEnv(base: NodeJS.ProcessEnv, agentEnv: Record<string, string> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (value === undefined || isRunnerSecret(name)) continue;
    if (allowedNames.has(name) || allowedPrefixes.some((p) => name.startsWith(p))) out[name] = value;
  }
  for (const [name, value] of Object.entries(agentEnv)) {
    if (isRunnerSecret(name) || name.includes("=") || name.includes("\0") || value.includes("\0")) continue;
    out[name] = value;
  }
  out.NO_COLOR = "1";
  out.TERM = "dumb";
  return out;
}

/** Pulls "1.2.3" (or "v1.2.3-beta.1" → "1.2.3-beta.1") out of a version command's output. */
export function parseVersion(output: string): string | null {
  const text = output.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");
  const match = /(?:^|[^\w.])v?(\d+\.\d+(?:\.\d+)*(?:-[0-9A-Za-z][0-9A-Za-z.-]*)?)/.exec(text);
  return match ? match[1]!.slice(0, maxVersion) : null;
}

/** The version in the nearest package.json above `file` (npm-installed CLIs, node scripts). */
export function packageVersion(file: string): string | null {
  let dir = path.dirname(file);
  for (let depth = 0; depth < 8; depth++) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"));
    } catch {
      json = undefined; // no (readable) package.json here; look further up
    }
    // The first package.json with a name is the package's own: its version, or none. (Nested ones
    // such as dist/package.json with only {"type": "module"} are skipped.)
    if (json && typeof json === "object") {
      if ("version" in json && typeof json.version === "string" && json.version) return json.version.slice(0, maxVersion);
      if ("name" in json) return null;
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return null;
}

/** Commands that fetch and start a package: found means startable, the version is theirs to pick. */
const packageRunners = new Set(["npx", "pnpx", "bunx", "uvx", "pipx"]);
const isScript = (file: string) => /\.(?:m|c)?js$/.test(file);
const isNode = (resolved: string) => resolved === process.execPath || /^node(?:\.exe)?$/.test(path.basename(resolved));

/**
 * Checks whether an agent can be started here and which version it is. Never throws, never waits
 * longer than the timeout, and reads at most a few KB of output.
 *
 * - The command must exist (on PATH or at its path) and be executable.
 * - `node <script>` agents: the script must exist; the version is that of its package.
 * - `npx …` and the like: found is enough; which version runs is up to them.
 * - npm-installed CLIs (the command resolves to a .js file): the version is that of its package.
 * - Otherwise the version command runs with stdin closed, a scrubbed environment and a timeout.
 */
export async function detectAgent(input: DetectInput, opts: DetectOptions = {}): Promise<Detection> {
  try {
    const env = detectionEnv(opts.baseEnv ?? process.env, input.env);
    const found = checkCommand(input.command, env.PATH, process.cwd());
    if (!found.ok) {
      return {
        available: false,
        version: null,
        error: input.command.includes("/") ? `${input.command} does not exist or is not executable.` : `${input.command} was not found on PATH.`,
      };
    }

    const resolved = found.path;
    const launcher = path.basename(resolved);
    if (packageRunners.has(launcher)) {
      return { available: true, version: null, error: `Started through ${launcher}, which picks the agent's version when it starts.` };
    }
    const script = isNode(resolved) ? input.args.find((a) => !a.startsWith("-")) : undefined;
    if (script && !path.isAbsolute(script)) {
      return { available: true, version: null, error: `The script ${script} is relative to the task's worktree; it is checked when a task starts.` };
    }
    if (script) {
      try {
        accessSync(script, constants.R_OK);
      } catch {
        return { available: false, version: null, error: `The script ${script} does not exist or cannot be read.` };
      }
      const version = packageVersion(realpathSync(script));
      return { available: true, version, error: version ? null : `Version unknown: the package of ${script} has no version.` };
    }

    const real = realpathSync(resolved);
    if (isScript(real)) {
      const version = packageVersion(real);
      if (version) return { available: true, version, error: null };
    }

    const versionArgs = input.versionArgs ?? ["--version"];
    const run = await runBounded(resolved, versionArgs, env, opts.timeoutMs ?? 2500);
    const version = parseVersion(run.stdout) ?? parseVersion(run.stderr);
    if (version) return { available: true, version, error: null };
    const shown = [input.command, ...versionArgs].join(" ");
    const why = run.timedOut
      ? `"${shown}" did not answer within ${Math.round((opts.timeoutMs ?? 2500) / 100) / 10} s`
      : run.spawnError
        ? `"${shown}" could not start: ${run.spawnError}`
        : `"${shown}" printed no version${run.code ? ` (exit code ${run.code})` : ""}`;
    return { available: !run.spawnError, version: null, error: `${why}.` };
  } catch (error) {
    return { available: false, version: null, error: `Detection failed: ${(error as Error).message}` };
  }
}

type BoundedRun = { stdout: string; stderr: string; code: number | null; timedOut: boolean; spawnError: string | null };

/** Runs a command in its own process group with stdin closed; kills the group at the deadline. */
function runBounded(command: string, args: string[], env: Record<string, string>, timeoutMs: number): Promise<BoundedRun> {
  return new Promise((resolve) => {
    const out = { stdout: "", stderr: "" };
    let timedOut = false;
    let settled = false;
    // A plain map on purpose: no NODE_ENV or anything else of this process (Next types NODE_ENV as required).
    const childEnv = env as NodeJS.ProcessEnv;
    const child = spawn(command, args, { env: childEnv, stdio: ["ignore", "pipe", "pipe"], detached: process.platform !== "win32", windowsHide: true });
    const killGroup = () => {
      try {
        if (child.pid && process.platform !== "win32") process.kill(-child.pid, "SIGKILL");
        else child.kill("SIGKILL");
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, timeoutMs);
    const collect = (key: "stdout" | "stderr") => (chunk: Buffer) => {
      if (out[key].length < maxOutput) out[key] += chunk.toString("utf8").slice(0, maxOutput - out[key].length);
    };
    child.stdout.on("data", collect("stdout"));
    child.stderr.on("data", collect("stderr"));
    const finish = (code: number | null, spawnError: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // A version command that left children behind (a daemon, a pager) takes them with it.
      if (!spawnError) killGroup();
      resolve({ ...out, code, timedOut, spawnError });
    };
    child.on("error", (error) => finish(null, error.message));
    child.on("close", (code) => finish(code, null));
  });
}

/**
 * A native agent runs Wharf's own agent, so "installed" means its endpoint answers: GET
 * `<base>/models` within the timeout. Any HTTP answer counts (a 401 says the endpoint is there
 * and wants the key, which detection never sends). Never throws.
 */
export async function detectNativeEndpoint(env: Record<string, string>, opts: DetectOptions = {}): Promise<Detection> {
  const base = env.WHARF_NATIVE_BASE_URL?.trim();
  if (!base) return { available: false, version: null, error: "WHARF_NATIVE_BASE_URL is not set: give the base URL of an OpenAI-compatible API." };
  const timeoutMs = opts.timeoutMs ?? 2500;
  const url = `${base.replace(/\/+$/, "")}/models`;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: "manual" });
    await response.body?.cancel().catch(() => undefined);
    if (response.status >= 500) return { available: false, version: null, error: `The endpoint ${url} answered HTTP ${response.status}.` };
    return { available: true, version: null, error: null };
  } catch (error) {
    const why = error instanceof Error && error.name === "TimeoutError" ? `did not answer within ${timeoutMs / 1000} s` : `could not be reached (${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message})`;
    return { available: false, version: null, error: `The endpoint ${url} ${why}. Start the model server, or fix WHARF_NATIVE_BASE_URL.` };
  }
}

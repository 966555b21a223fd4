import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, mkdtempSync, rmSync } from "node:fs";
import { constants as osConstants, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { agentsDir } from "@wharf/api/agents";
import { agentStateDirs, bwrapArgs } from "./bwrap-args";

/**
 * The OS sandbox every agent process runs in (bubblewrap), decided once per runner:
 *
 * - `auto` (default): on where bubblewrap is installed and a trial run works (user namespaces
 *   may be disabled); otherwise off, said once in the runner's log.
 * - `require`: as auto, but where it cannot work, starting an agent fails with `SandboxUnavailableError`.
 * - `off`: agents run with the runner's rights, as before the sandbox existed.
 */
export type SandboxMode = "auto" | "require" | "off";

export type SandboxStatus =
  | { on: true; mode: SandboxMode; bwrap: string; reason: string }
  | { on: false; mode: SandboxMode; reason: string };

export type SandboxSettings = {
  mode: SandboxMode;
  /** Wharf's home: token, database, worktrees, warm-agent folders. Hidden from agents. */
  home: string;
  /** The database URL, for its socket folder (hidden too); never passed to an agent. */
  databaseUrl?: string | undefined;
  /** bubblewrap's path; found on PATH (or /usr/bin/bwrap) when not given. */
  bwrap?: string | undefined;
  /** The runner's PATH, searched for bwrap. */
  path?: string | undefined;
};

export const enableHint =
  "Install bubblewrap (`sudo apt-get install bubblewrap`; ./wharf start installs it when it can) and make sure unprivileged user namespaces are enabled (`sysctl kernel.unprivileged_userns_clone=1` / `user.max_user_namespaces` > 0), or set WHARF_SANDBOX=auto to run agents unsandboxed where it cannot work.";

export class SandboxUnavailableError extends Error {
  constructor(readonly reason: string) {
    super(`The agent was not started: WHARF_SANDBOX=require, but the OS sandbox cannot work on this machine (${reason}). ${enableHint}`);
    this.name = "SandboxUnavailableError";
  }
}

/**
 * One process to start: in the sandbox its command is bwrap and the original command follows `--`
 * (`sandboxed`: bwrap, and its init process in the new PID namespace, stand between the spawned
 * process and the command; terminate.ts signals around them).
 */
export type Launch = { command: string; args: string[]; sandboxed: boolean };

export type ConfineOptions = {
  root: string;
  cwd: string;
  env: Record<string, string>;
  network?: boolean | undefined;
  repository?: string | undefined;
  /** More folders the process may write in (a project's shared cache for setup scripts and services). */
  writable?: readonly string[] | undefined;
};

export class Sandbox {
  constructor(
    readonly status: SandboxStatus,
    readonly settings: SandboxSettings,
  ) {}

  /** The command line that runs `command` confined to `opts.root`; unchanged when the sandbox is off. */
  wrap(command: string, args: readonly string[], opts: ConfineOptions): Launch {
    if (!this.status.on) {
      if (this.status.mode === "require") throw new SandboxUnavailableError(this.status.reason);
      return { command, args: [...args], sandboxed: false };
    }
    const policy = {
      root: opts.root,
      cwd: opts.cwd,
      stateDirs: agentStateDirs(opts.env.HOME),
      hidden: hiddenDirs(this.settings),
      // Agents installed from the Agents page: readable and runnable, not writable.
      exposed: [agentsDir(this.settings.home)],
      network: opts.network ?? true,
      repository: opts.repository,
      writable: opts.writable,
      readable: [wharfRoot, path.dirname(process.execPath), ...(path.isAbsolute(command) ? [path.dirname(command)] : [])],
    };
    return { command: this.status.bwrap, args: [...bwrapArgs(policy), command, ...args], sandboxed: true };
  }
}

/**
 * The agent's exit as bwrap reports it: a command ended by signal N makes bwrap exit with 128 + N
 * (bwrap itself ended by a signal, e.g. SIGKILL after the grace period, is that signal). An agent
 * that exits with such a code by itself reads as that signal too; bwrap cannot tell them apart.
 */
export function agentExitOfBwrap(code: number | null, signal: NodeJS.Signals | null): { code: number | null; signal: NodeJS.Signals | null } {
  if (signal !== null || code === null || code <= 128) return { code, signal };
  const name = Object.entries(osConstants.signals).find(([, n]) => n === code - 128)?.[0] as NodeJS.Signals | undefined;
  return name ? { code: null, signal: name } : { code, signal };
}

/** Wharf's checkout: the folder above this module that holds the workspace file (source or built runner). */
const wharfRoot = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, "pnpm-workspace.yaml"))) {
    const up = path.dirname(dir);
    if (up === dir) return path.dirname(fileURLToPath(import.meta.url));
    dir = up;
  }
  return dir;
})();

function hiddenDirs(settings: SandboxSettings): string[] {
  const dirs = [settings.home, "/run/postgresql", "/var/run/postgresql"];
  const socketDir = socketDirOf(settings.databaseUrl);
  if (socketDir) dirs.push(socketDir);
  return dirs;
}

/** A libpq URL may name a socket folder as `?host=/path` or as an encoded host. */
function socketDirOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    const host = parsed.searchParams.get("host") ?? decodeURIComponent(parsed.hostname);
    return host.startsWith("/") ? host : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Decides whether agents can be sandboxed here: bubblewrap is found and a trial run of the same
 * kind of sandbox agents get (own PID namespace, masked home) works. Synchronous (one ~10 ms run),
 * done once per runner by `configureSandbox`.
 */
export function detectSandbox(settings: SandboxSettings): SandboxStatus {
  const { mode } = settings;
  if (mode === "off") return { on: false, mode, reason: "turned off (WHARF_SANDBOX=off)" };
  if (process.platform !== "linux") return { on: false, mode, reason: `bubblewrap needs Linux; this is ${process.platform}` };
  const bwrap = settings.bwrap ?? findBwrap(settings.path);
  if (!bwrap) return { on: false, mode, reason: "bubblewrap (bwrap) is not installed" };
  const trial = mkdtempSync(path.join(tmpdir(), "wharf-sandbox-trial-"));
  try {
    const sandbox = new Sandbox({ on: true, mode, bwrap, reason: "" }, settings);
    const launch = sandbox.wrap("/bin/sh", ["-c", "echo ok > ./probe && cat ./probe"], { root: trial, cwd: trial, env: {} });
    const result = spawnSync(launch.command, launch.args, { encoding: "utf8", timeout: 10_000, env: { PATH: "/usr/bin:/bin" } });
    if (result.error) return { on: false, mode, reason: `bubblewrap could not run: ${result.error.message}` };
    if (result.status !== 0 || result.stdout.trim() !== "ok") {
      const why = result.stderr.trim().split("\n").slice(-2).join(" ") || `exit ${result.status ?? result.signal}`;
      return { on: false, mode, reason: `a trial sandbox failed (${why}); user namespaces may be disabled` };
    }
    return { on: true, mode, bwrap, reason: "agents run in bubblewrap: their worktree writable, Wharf's home hidden" };
  } finally {
    rmSync(trial, { recursive: true, force: true });
  }
}

function findBwrap(searchPath: string | undefined): string | undefined {
  for (const dir of [...(searchPath ?? "").split(":").filter(Boolean), "/usr/bin"]) {
    const candidate = path.join(dir, "bwrap");
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

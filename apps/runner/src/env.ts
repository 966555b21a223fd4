import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { wharfHome } from "@wharf/db/pg";
import type { SandboxSettings } from "./sandbox/sandbox";

const sandboxSchema = z.object({
  /** The OS sandbox for agents: auto (on where bubblewrap works), require (fail tasks where it cannot), off. */
  WHARF_SANDBOX: z.enum(["auto", "require", "off"], { error: "WHARF_SANDBOX must be auto, require or off." }).default("auto"),
  PATH: z.string().optional(),
});

const schema = z.object({
  DATABASE_URL: z.string().min(1, "DATABASE_URL is required: the PostgreSQL URL Wharf uses (./wharf start sets it)."),
  WHARF_RUNNER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(4),
  WHARF_RUNNER_ID: z.string().min(1).max(100).optional(),
  /** How often the runner refreshes its heartbeat (and re-detects its agents); gone after three missed. */
  WHARF_RUNNER_HEARTBEAT_MS: z.coerce.number().int().min(100, "WHARF_RUNNER_HEARTBEAT_MS must be at least 100").max(600_000).default(10_000),
  /** How long an agent gets between session/cancel and SIGTERM, and SIGTERM and SIGKILL. */
  WHARF_CANCEL_GRACE_MS: z.coerce.number().int().min(0).max(60_000).default(3000),
  /** Idle agent processes (tasks in review) are stopped after this long; a follow-up restarts them. */
  WHARF_AGENT_IDLE_MS: z.coerce.number().int().min(0).default(10 * 60_000),
  /** How long an agent gets to answer `initialize` before its task fails. */
  WHARF_AGENT_INITIALIZE_MS: z.coerce.number().int().min(100).max(600_000).default(15_000),
  /** Bound on each step of the start-up probe of agents that reported nothing yet; 0 turns the probe off. */
  WHARF_AGENT_PROBE_MS: z.coerce.number().int().min(0).max(120_000).default(10_000),
  /** Bound on cloning or fetching a project's URL (runners that cannot see the project's path). */
  WHARF_GIT_FETCH_TIMEOUT_MS: z.coerce.number().int().min(1000).max(3_600_000).default(120_000),
  ...sandboxSchema.shape,
});

export type RunnerEnv = z.infer<typeof schema> & { home: string; worktreesDir: string; warmAgentsDir: string; cacheDir: string; reposDir: string; runnerId: string };

export function readEnv(source: NodeJS.ProcessEnv = process.env): RunnerEnv {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n");
    throw new Error(`The runner's environment is not valid:\n${lines}`);
  }
  const home = wharfHome(source);
  return {
    ...parsed.data,
    home,
    worktreesDir: path.join(home, "worktrees"),
    /** The (empty) working directory of agents started before a task takes them. */
    warmAgentsDir: path.join(home, "warm-agents"),
    /** Per-project caches shared by a project's worktrees (WHARF_CACHE_DIR of setup scripts). */
    cacheDir: path.join(home, "cache"),
    /** This runner's clones of projects it cannot see on its disk (ProjectRepos). */
    reposDir: path.join(home, "repos"),
    runnerId: parsed.data.WHARF_RUNNER_ID ?? `${os.hostname()}-${process.pid}-${Date.now().toString(36)}`,
  };
}

/**
 * The sandbox settings alone, for code that spawns agents without a runner (tests, the probe):
 * no DATABASE_URL needed.
 */
export function readSandboxEnv(source: NodeJS.ProcessEnv = process.env): SandboxSettings {
  const parsed = sandboxSchema.safeParse(source);
  if (!parsed.success) throw new Error(`The runner's environment is not valid: ${parsed.error.issues.map((i) => i.message).join(" ")}`);
  return { mode: parsed.data.WHARF_SANDBOX, home: wharfHome(source), databaseUrl: source.DATABASE_URL, path: parsed.data.PATH };
}

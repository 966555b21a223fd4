import { execFile } from "node:child_process";
import os from "node:os";
import { promisify } from "node:util";
import type pg from "pg";
import { z } from "zod";
import { checkCommand } from "@wharf/common";
import { heartbeatRunner, markRunnerStopped, registerRunner } from "@wharf/api/runners";
import { agentEnv } from "./agent-env";
import type { Logger } from "./agents/transport";

const agentRow = z.object({ id: z.string(), command: z.string(), env: z.record(z.string(), z.string()), maxRunning: z.number().int().positive().nullable() });

/** An agent this host can start, and its fleet-wide cap (null: none). */
export type HostAgent = { id: string; maxRunning: number | null };

/**
 * The agents this host can start: those whose command is found the way the runner will start it
 * (the agent's PATH, or this process's, after Wharf's agent folder). A stat per agent, no spawn:
 * cheap enough for every heartbeat, so an agent installed while the runner runs is picked up.
 */
async function detectHostAgents(pool: pg.Pool, home: string): Promise<HostAgent[]> {
  const { rows } = await pool.query(`select id, command, env, max_running as "maxRunning" from agent order by id`);
  return z
    .array(agentRow)
    .parse(rows)
    .filter((agent) => checkCommand(agent.command, agentEnv({ ...process.env, WHARF_HOME: home }, agent.env).PATH, home).ok)
    .map((agent) => ({ id: agent.id, maxRunning: agent.maxRunning }));
}

/** This checkout's commit (short), which tells hosts running different code apart; "unknown" outside git. */
async function wharfVersion(): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)("git", ["rev-parse", "--short", "HEAD"], { cwd: import.meta.dirname, timeout: 5_000 });
    return stdout.trim() || "unknown";
  } catch {
    return "unknown";
  }
}

export type RegistryOptions = {
  pool: pg.Pool;
  id: string;
  home: string;
  concurrency: number;
  heartbeatMs: number;
  sandbox: { on: boolean; mode: string; reason: string };
  log: Logger;
};

/**
 * The runner's entry in the fleet: registers (host, version, agents, concurrency), refreshes its
 * heartbeat every `heartbeatMs` (re-detecting agents), and marks itself stopped when it stops.
 * Each of these sends a NOTIFY on wharf_runners, which the Runners page follows.
 */
export class RunnerRegistry {
  private timer: NodeJS.Timeout | null = null;
  private beating: Promise<void> = Promise.resolve();
  agents: HostAgent[] = [];
  private changed: (agents: HostAgent[]) => void = () => undefined;
  private upkeep: () => Promise<void> = async () => undefined;

  constructor(private readonly opts: RegistryOptions) {}

  async register(): Promise<HostAgent[]> {
    const { pool, id, home, concurrency, heartbeatMs, sandbox } = this.opts;
    this.agents = await detectHostAgents(pool, home);
    await registerRunner(pool, { id, hostname: os.hostname(), pid: process.pid, version: await wharfVersion(), concurrency, heartbeatMs, agents: this.agents.map((a) => a.id), sandbox });
    this.timer = setInterval(() => this.refresh(), heartbeatMs);
    this.timer.unref();
    return this.agents;
  }

  /** A heartbeat now (also when an agent was added, changed or deleted), after any under way. */
  refresh(): void {
    this.beating = this.beating.then(() => this.beat());
  }

  private async beat(): Promise<void> {
    try {
      const agents = await detectHostAgents(this.opts.pool, this.opts.home);
      await heartbeatRunner(this.opts.pool, this.opts.id, agents.map((a) => a.id));
      if (JSON.stringify(agents) !== JSON.stringify(this.agents)) {
        this.opts.log.info("the agents on this host changed", { agents });
        this.agents = agents;
        this.changed(agents);
      }
      await this.upkeep();
    } catch (error) {
      // The database may be restarting: the next beat tries again; missing three marks this runner gone.
      this.opts.log.warn("heartbeat failed", { error });
    }
  }

  /** Called when the agents found on this host, or their caps, change (after register). */
  onAgentsChanged(fn: (agents: HostAgent[]) => void): void {
    this.changed = fn;
  }

  /** Fleet upkeep after each heartbeat (moving follow-ups away from runners that are gone). */
  afterBeat(fn: () => Promise<void>): void {
    this.upkeep = fn;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.beating;
    await markRunnerStopped(this.opts.pool, this.opts.id).catch((error: unknown) => this.opts.log.warn("could not mark this runner stopped", { error }));
  }
}

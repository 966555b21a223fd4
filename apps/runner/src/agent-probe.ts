import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type pg from "pg";
import { z } from "zod";
import type { TaskEventOf } from "@wharf/api/schemas";
import { agentEnv } from "./agent-env";
import { capabilitiesFromCommands, capabilitiesFromInfo, type CapabilityStore } from "./agent-capabilities";
import { AgentError, type AgentSpec, type AgentTransport, type Logger } from "./agents/transport";

/**
 * Asks an agent what it offers without giving it any work: start it in an empty temporary git
 * repository, `initialize` and `session/new`, keep what it reports (modes, models, config options,
 * and the commands it announces right after), and stop it. Every step is bounded by `timeoutMs`.
 */

const run = promisify(execFile);
/** How long to wait after session/new for `available_commands_update` (sent asynchronously). */
const commandsWaitMs = 1500;

export type ProbeDeps = {
  store: CapabilityStore;
  transportFor(transport: AgentSpec["transport"]): AgentTransport;
  log: Logger;
  timeoutMs: number;
  /** The runner's own environment, scrubbed by agentEnv before the agent sees it. */
  baseEnv?: NodeJS.ProcessEnv;
};

export type ProbeResult = { ok: true } | { ok: false; error: string };

export async function probeAgent(deps: ProbeDeps, agent: AgentSpec): Promise<ProbeResult> {
  if (agent.transport !== "acp") return { ok: false, error: `Agent "${agent.name}" uses the ${agent.transport} transport, which reports no capabilities` };
  const dir = await mkdtemp(path.join(os.tmpdir(), "wharf-probe-"));
  const log = deps.log;
  let commands: TaskEventOf<"commands"> | undefined;
  let sawCommands = () => {};
  const commandsSeen = new Promise<void>((resolve) => (sawCommands = resolve));
  try {
    await run("git", ["init", "-q", dir], { timeout: deps.timeoutMs });
    const session = await deps.transportFor(agent.transport).start({
      agent,
      cwd: dir,
      env: agentEnv(deps.baseEnv ?? process.env, agent.env),
      timeouts: { initializeMs: deps.timeoutMs, sessionMs: deps.timeoutMs },
      hooks: {
        onEvent: (event) => {
          if (event.type !== "commands") return;
          commands = event;
          sawCommands();
        },
        // A probe never prompts; should the agent ask anyway, the answer is no.
        requestPermission: async () => ({ outcome: "cancelled" }),
        log,
      },
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([commandsSeen, new Promise<void>((resolve) => (timer = setTimeout(resolve, commandsWaitMs)))]);
    clearTimeout(timer);
    await session.close(1000);
    await deps.store.record(agent.id, capabilitiesFromInfo(session.info));
    if (commands) await deps.store.record(agent.id, capabilitiesFromCommands(commands));
    log.info("probed the agent", { agentId: agent.id, modes: session.info.modes.length, models: session.info.models.length, commands: commands?.commands.length ?? 0 });
    return { ok: true };
  } catch (error) {
    const message = error instanceof AgentError ? error.message : `Probing agent "${agent.name}" failed: ${error instanceof Error ? error.message : String(error)}`;
    log.warn("probing the agent failed", { agentId: agent.id, error: message });
    return { ok: false, error: message };
  } finally {
    await rm(dir, { recursive: true, force: true }).catch((error: unknown) => log.warn("removing the probe directory failed", { dir, error }));
  }
}

const agentRow = z.object({
  id: z.string(),
  name: z.string(),
  transport: z.literal("acp"),
  command: z.string(),
  args: z.array(z.string()),
  env: z.record(z.string(), z.string()),
  secret_env: z.record(z.string(), z.string()),
});

/** ACP agents that may be installed and have reported nothing yet. */
export async function agentsToProbe(pool: pg.Pool, ids?: string[]): Promise<AgentSpec[]> {
  const { rows } = await pool.query(
    `select id, name, transport::text as transport, command, args, env, secret_env from agent
     where transport = 'acp' and available is not false and capabilities = '{}'::jsonb
       and ($1::text[] is null or id = any($1::text[]))
     order by builtin desc, id`,
    [ids ?? null],
  );
  return rows.flatMap((raw) => {
    const row = agentRow.safeParse(raw);
    if (!row.success) return [];
    const { secret_env, ...spec } = row.data;
    return [{ ...spec, env: { ...spec.env, ...secret_env } }];
  });
}

/**
 * Probes, one at a time, every ACP agent whose capabilities are still empty. Runs in the
 * background at runner start; `signal` stops it between agents.
 */
export async function probeUnknownAgents(pool: pg.Pool, deps: ProbeDeps, signal: AbortSignal): Promise<void> {
  let agents: AgentSpec[];
  try {
    agents = await agentsToProbe(pool);
  } catch (error) {
    deps.log.error("listing agents to probe failed", { error });
    return;
  }
  for (const agent of agents) {
    if (signal.aborted) return;
    await probeAgent(deps, agent);
  }
}

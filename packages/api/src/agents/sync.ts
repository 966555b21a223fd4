import { wharfHome, type Queryable } from "@wharf/db/pg";
import { listDetectionTargets, storeDetection, upsertBuiltinAgent } from "../queries/agent";
import { detectAgent, detectNativeEndpoint, type DetectOptions, type Detection, type Launch } from "./detect";
import { withInstalledAgents } from "./installed";
import { knownAgentPresets, type AgentPreset } from "./presets";

/** A built-in agent as a runner registers it: a known preset, or one that ships with Wharf. */
export type BuiltinAgent = Omit<AgentPreset, "install"> & { install?: string };

/** Detection settings plus Wharf's home, whose agent folder is searched first (default: this process's). */
export type SyncOptions = DetectOptions & { home?: string };

/** The agent's environment with the PATH it is looked up on: Wharf's agent folder first. */
function searchEnv(env: Record<string, string>, opts: SyncOptions): Record<string, string> {
  const base = opts.baseEnv ?? process.env;
  return { ...env, PATH: withInstalledAgents(env.PATH ?? base.PATH, opts.home ?? wharfHome(base)) };
}

/** Detects a preset: the first of its launch commands that is installed, or why none is. */
export async function detectPreset(
  preset: BuiltinAgent,
  opts: SyncOptions = {},
  env: Record<string, string> = {},
): Promise<{ launch: Launch; detection: Detection }> {
  let first: Detection | null = null;
  for (const launch of preset.launch) {
    const detection = await detectAgent({ ...launch, env: searchEnv(env, opts), ...(preset.versionArgs ? { versionArgs: preset.versionArgs } : {}) }, opts);
    if (detection.available) return { launch, detection };
    first ??= detection;
  }
  const others = preset.launch.slice(1).map((l) => l.command);
  const install = preset.npm && preset.install ? `with the Install button on the Agents page, or ${preset.install}` : preset.install;
  const error = [first?.error ?? "Not found.", others.length ? `Also looked for ${others.join(", ")}.` : "", install ? `Install: ${install}` : ""]
    .filter(Boolean)
    .join(" ");
  return { launch: preset.launch[0], detection: { available: false, version: null, error } };
}

/**
 * Creates or refreshes the built-in agents with what is detected on this machine. A person's
 * settings for them (environment, secrets) are kept; launch command and name follow the preset.
 */
export async function syncBuiltinAgents(pool: Queryable, presets: BuiltinAgent[], opts?: SyncOptions): Promise<void> {
  const detected = await Promise.all(presets.map(async (preset) => ({ preset, ...(await detectPreset(preset, opts)) })));
  for (const { preset, launch, detection } of detected) {
    await upsertBuiltinAgent(pool, { id: preset.id, name: preset.name, transport: preset.transport, command: launch.command, args: launch.args }, detection);
  }
}

/**
 * Detects stored agents again (one, or all) on this machine and stores the result. Built-ins
 * that are known presets may switch to another of their launch commands; the others keep theirs.
 * Returns the ids it detected.
 */
export async function redetectAgents(pool: Queryable, opts: SyncOptions & { id?: string } = {}): Promise<string[]> {
  const agents = await listDetectionTargets(pool, opts.id);
  await Promise.all(
    agents.map(async (agent) => {
      const preset = agent.builtin ? knownAgentPresets.find((p) => p.id === agent.id) : undefined;
      const { launch, detection } = preset
        ? await detectPreset(preset, opts, agent.env)
        : agent.transport === "native"
          ? { launch: { command: agent.command, args: agent.args }, detection: await detectNativeEndpoint(agent.env, opts) }
          : { launch: { command: agent.command, args: agent.args }, detection: await detectAgent({ command: agent.command, args: agent.args, env: searchEnv(agent.env, opts) }, opts) };
      await storeDetection(pool, agent.id, launch, detection);
    }),
  );
  return agents.map((a) => a.id);
}

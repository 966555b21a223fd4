import type pg from "pg";
import { z } from "zod";
import { detectAgent, type DetectOptions, type Detection, type Launch } from "./detect";
import { knownAgentPresets, type AgentPreset } from "./presets";

/** A built-in agent as a runner registers it: a known preset, or one that ships with Wharf. */
export type BuiltinAgent = Omit<AgentPreset, "install"> & { install?: string };

/** Detects a preset: the first of its launch commands that is installed, or why none is. */
export async function detectPreset(
  preset: BuiltinAgent,
  opts?: DetectOptions,
  env: Record<string, string> = {},
): Promise<{ launch: Launch; detection: Detection }> {
  let first: Detection | null = null;
  for (const launch of preset.launch) {
    const detection = await detectAgent({ ...launch, env, ...(preset.versionArgs ? { versionArgs: preset.versionArgs } : {}) }, opts);
    if (detection.available) return { launch, detection };
    first ??= detection;
  }
  const others = preset.launch.slice(1).map((l) => l.command);
  const error = [first?.error ?? "Not found.", others.length ? `Also looked for ${others.join(", ")}.` : "", preset.install ? `Install: ${preset.install}` : ""]
    .filter(Boolean)
    .join(" ");
  return { launch: preset.launch[0], detection: { available: false, version: null, error } };
}

/**
 * Creates or refreshes the built-in agents with what is detected on this machine. A person's
 * settings for them (environment, secrets) are kept; launch command and name follow the preset.
 */
export async function syncBuiltinAgents(pool: pg.Pool, presets: BuiltinAgent[], opts?: DetectOptions): Promise<void> {
  const detected = await Promise.all(presets.map(async (preset) => ({ preset, ...(await detectPreset(preset, opts)) })));
  for (const { preset, launch, detection } of detected) {
    await pool.query(
      `insert into agent (id, name, transport, command, args, builtin, available, version, detect_error, detected_at, updated_at)
       values ($1, $2, $3, $4, $5, true, $6, $7, $8, now(), now())
       on conflict (id) do update set name = excluded.name, transport = excluded.transport, command = excluded.command, args = excluded.args,
         builtin = true, available = excluded.available, version = excluded.version, detect_error = excluded.detect_error,
         detected_at = now(), updated_at = now()`,
      [preset.id, preset.name, preset.transport, launch.command, launch.args, detection.available, detection.version, detection.error],
    );
  }
}

const agentRow = z.object({
  id: z.string(),
  builtin: z.boolean(),
  command: z.string(),
  args: z.array(z.string()),
  env: z.record(z.string(), z.string()).catch({}),
});

/**
 * Detects stored agents again (one, or all) on this machine and stores the result. Built-ins
 * that are known presets may switch to another of their launch commands; the others keep theirs.
 * Returns the ids it detected.
 */
export async function redetectAgents(pool: pg.Pool, opts: DetectOptions & { id?: string } = {}): Promise<string[]> {
  const { rows } = await pool.query(`select id, builtin, command, args, env from agent where $1::text is null or id = $1 order by id`, [opts.id ?? null]);
  const agents = rows.map((r) => agentRow.parse(r));
  await Promise.all(
    agents.map(async (agent) => {
      const preset = agent.builtin ? knownAgentPresets.find((p) => p.id === agent.id) : undefined;
      const { launch, detection } = preset
        ? await detectPreset(preset, opts, agent.env)
        : { launch: { command: agent.command, args: agent.args }, detection: await detectAgent({ command: agent.command, args: agent.args, env: agent.env }, opts) };
      await pool.query(
        `update agent set command = $2, args = $3, available = $4, version = $5, detect_error = $6, detected_at = now(), updated_at = now() where id = $1`,
        [agent.id, launch.command, launch.args, detection.available, detection.version, detection.error],
      );
    }),
  );
  return agents.map((a) => a.id);
}

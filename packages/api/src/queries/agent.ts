import type { Queryable } from "@wharf/db/pg";
import { CHANNEL_RUNNERS } from "@wharf/db/channels";
import { z } from "zod";
import type { McpServerConfig } from "../schemas/mcp";

/** The payload on wharf_runners that tells runners to look at their agents again (one was added, changed or deleted). */
export const AGENTS_CHANGED = "agents";
const notifyRunners = (db: Queryable) => db.query(`select pg_notify($1, $2)`, [CHANNEL_RUNNERS, AGENTS_CHANGED]);

const transport = z.enum(["acp", "pty", "native"]);

/**
 * An agent as the API reads it. `secretEnv` is read only to list its names: the router's view
 * never copies a value out of it.
 */
const agentRow = z.object({
  id: z.string(),
  name: z.string(),
  transport,
  command: z.string(),
  args: z.array(z.string()),
  env: z.unknown(),
  secretEnv: z.unknown(),
  builtin: z.boolean(),
  available: z.boolean().nullable(),
  version: z.string().nullable(),
  detectError: z.string().nullable(),
  detectedAt: z.date().nullable(),
  capabilities: z.unknown(),
  /** In the OS sandbox: false leaves the agent loopback only. */
  sandboxNetwork: z.boolean(),
  /** Read only to list names and non-secret fields: see mcpServerViews. */
  mcpServers: z.unknown(),
  /** At most this many of its tasks run at once across the fleet; null: no cap. */
  maxRunning: z.number().int().nullable(),
  /** Tasks that use this agent. */
  taskCount: z.coerce.number().int(),
});
export type AgentRow = z.infer<typeof agentRow>;

const agentColumns = `a.id, a.name, a.transport::text as transport, a.command, coalesce(a.args, '{}') as args, a.env,
  a.secret_env as "secretEnv", a.builtin, a.available, a.version, a.detect_error as "detectError", a.detected_at as "detectedAt",
  a.capabilities, a.sandbox_network as "sandboxNetwork", a.mcp_servers as "mcpServers", a.max_running as "maxRunning", (select count(*) from task t where t.agent_id = a.id) as "taskCount"`;

export async function findAgent(db: Queryable, id: string): Promise<AgentRow | null> {
  const { rows } = await db.query(`select ${agentColumns} from agent a where a.id = $1`, [id]);
  return z.array(agentRow).parse(rows)[0] ?? null;
}

/** Every agent (or those named in `ids`), built-in ones first, then by name. */
export async function listAgents(db: Queryable, ids?: string[]): Promise<AgentRow[]> {
  const { rows } = await db.query(
    `select ${agentColumns} from agent a where $1::text[] is null or a.id = any($1::text[]) order by a.builtin desc, a.name asc`,
    [ids ?? null],
  );
  return z.array(agentRow).parse(rows);
}

/** What `agent.upsert` compares a change against. */
const agentSettingsRow = z.object({
  builtin: z.boolean(),
  name: z.string(),
  transport,
  command: z.string(),
  args: z.array(z.string()),
  env: z.unknown(),
  secretEnv: z.unknown(),
  mcpServers: z.unknown(),
});
export type AgentSettingsRow = z.infer<typeof agentSettingsRow>;

export async function findAgentSettings(db: Queryable, id: string): Promise<AgentSettingsRow | null> {
  const { rows } = await db.query(
    `select a.builtin, a.name, a.transport::text as transport, a.command, coalesce(a.args, '{}') as args, a.env, a.secret_env as "secretEnv", a.mcp_servers as "mcpServers"
     from agent a where a.id = $1`,
    [id],
  );
  return z.array(agentSettingsRow).parse(rows)[0] ?? null;
}

export type AgentFields = {
  id: string;
  name: string;
  transport: z.infer<typeof transport>;
  command: string;
  args: string[];
  env: Record<string, string>;
  /** Unset keeps the stored choice (on for a new agent). */
  sandboxNetwork?: boolean;
  /** With their secret values (see resolveMcpServers); unset keeps the stored list (none for a new agent). */
  mcpServers?: McpServerConfig[] | undefined;
  /** Fleet-wide cap on its running tasks; null removes it, unset keeps the stored one. */
  maxRunning?: number | null;
};

/**
 * Creates a custom agent or replaces an existing one's settings (a built-in stays built in).
 * `resetReported` clears what the previous program reported (capabilities, version).
 */
export async function upsertAgent(db: Queryable, fields: AgentFields, secretEnv: Record<string, string>, resetReported: boolean): Promise<void> {
  await db.query(
    `insert into agent (id, name, transport, command, args, env, secret_env, builtin, sandbox_network, mcp_servers, max_running, updated_at)
     values ($1, $2, $3::"AgentTransport", $4, $5::text[], $6::jsonb, $7::jsonb, false, coalesce($9::boolean, true), coalesce($10::jsonb, '[]'::jsonb), case when $11 then $12::int end, now())
     on conflict (id) do update set name = excluded.name, transport = excluded.transport, command = excluded.command,
       args = excluded.args, env = excluded.env, secret_env = excluded.secret_env, updated_at = now(),
       sandbox_network = coalesce($9::boolean, agent.sandbox_network),
       mcp_servers = coalesce($10::jsonb, agent.mcp_servers),
       max_running = case when $11 then $12::int else agent.max_running end,
       capabilities = case when $8 then '{}'::jsonb else agent.capabilities end,
       version = case when $8 then null else agent.version end`,
    [fields.id, fields.name, fields.transport, fields.command, fields.args, JSON.stringify(fields.env), JSON.stringify(secretEnv), resetReported, fields.sandboxNetwork ?? null,
      fields.mcpServers === undefined ? null : JSON.stringify(fields.mcpServers), fields.maxRunning !== undefined, fields.maxRunning ?? null],
  );
  await notifyRunners(db);
}

/**
 * Deletes a custom agent that no task uses. False when it is built in, gone, or used by a task;
 * the foreign key (ON DELETE RESTRICT) still refuses a task that slips in between.
 */
export async function deleteUnusedAgent(db: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await db.query(`delete from agent a where a.id = $1 and not a.builtin and not exists (select 1 from task t where t.agent_id = $1)`, [id]);
  if ((rowCount ?? 0) > 0) await notifyRunners(db);
  return (rowCount ?? 0) > 0;
}

/** Registers a built-in agent, or refreshes it, keeping a person's environment and secrets. */
export async function upsertBuiltinAgent(
  db: Queryable,
  agent: { id: string; name: string; transport: string; command: string; args: string[] },
  detection: { available: boolean; version: string | null; error: string | null },
): Promise<void> {
  await db.query(
    `insert into agent (id, name, transport, command, args, builtin, available, version, detect_error, detected_at, updated_at)
     values ($1, $2, $3::"AgentTransport", $4, $5::text[], true, $6, $7, $8, now(), now())
     on conflict (id) do update set name = excluded.name, transport = excluded.transport, command = excluded.command, args = excluded.args,
       builtin = true, available = excluded.available, version = excluded.version, detect_error = excluded.detect_error,
       detected_at = now(), updated_at = now()`,
    [agent.id, agent.name, agent.transport, agent.command, agent.args, detection.available, detection.version, detection.error],
  );
}

/** What detecting an agent again needs to know about it. */
const detectionTargetRow = z.object({
  id: z.string(),
  builtin: z.boolean(),
  transport: z.string(),
  command: z.string(),
  args: z.array(z.string()),
  env: z.record(z.string(), z.string()).catch({}),
});
export type DetectionTargetRow = z.infer<typeof detectionTargetRow>;

/** One agent, or all when `id` is undefined, by id. */
export async function listDetectionTargets(db: Queryable, id?: string): Promise<DetectionTargetRow[]> {
  const { rows } = await db.query(
    `select a.id, a.builtin, a.transport::text as transport, a.command, coalesce(a.args, '{}') as args, a.env
     from agent a where $1::text is null or a.id = $1 order by a.id`,
    [id ?? null],
  );
  return z.array(detectionTargetRow).parse(rows);
}

/** Stores what detection found, and the launch command it found it with. */
export async function storeDetection(
  db: Queryable,
  id: string,
  launch: { command: string; args: string[] },
  detection: { available: boolean; version: string | null; error: string | null },
): Promise<void> {
  await db.query(
    `update agent set command = $2, args = $3::text[], available = $4, version = $5, detect_error = $6, detected_at = now(), updated_at = now() where id = $1`,
    [id, launch.command, launch.args, detection.available, detection.version, detection.error],
  );
}

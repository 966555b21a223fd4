import type pg from "pg";
import { agentCapabilitiesSchema, type AgentCapabilities, type TaskEventOf } from "@wharf/api/schemas";
import type { AgentInfo, Logger } from "./agents/transport";

/**
 * Caches what agents report about themselves in `agent.capabilities`: modes, models and config
 * options from `session/new`, name and version from `initialize`, slash commands from
 * `available_commands_update`. Each write merges its own top-level keys (jsonb `||`), so a
 * commands update and a session start never overwrite each other. Writes are queued one after
 * the other and never throw: a failed write is logged, the task goes on.
 */

const limits = { modes: 100, models: 200, configOptions: 50, options: 200, commands: 500 } as const;

const clip = (value: string, max: number) => (value.length > max ? `${value.slice(0, max - 1)}…` : value);
const choice = (c: { id: string; name: string; description?: string }) => ({
  id: c.id,
  name: clip(c.name || c.id, 500),
  ...(c.description && { description: clip(c.description, 2000) }),
});

/**
 * What a started session tells about its agent, bounded to the stored shape. Empty lists are left
 * out: a resumed session often repeats no modes, and must not erase the ones cached earlier.
 */
export function capabilitiesFromInfo(info: AgentInfo): AgentCapabilities {
  const configOptions = (info.configOptions ?? []).slice(0, limits.configOptions).map((o) => ({
    id: o.id,
    name: clip(o.name || o.id, 500),
    ...(o.description && { description: clip(o.description, 2000) }),
    ...(o.category && { category: clip(o.category, 100) }),
    ...(o.currentValue && { currentValue: o.currentValue }),
    options: o.options.slice(0, limits.options).map(choice),
  }));
  return {
    ...(info.name && { agentName: clip(info.name, 500) }),
    ...(info.version && { agentVersion: clip(info.version, 100) }),
    loadSession: info.loadSession,
    ...(info.modes.length > 0 && { modes: info.modes.slice(0, limits.modes).map(choice) }),
    ...(info.defaultMode && { defaultMode: info.defaultMode }),
    ...(info.models.length > 0 && { models: info.models.slice(0, limits.models).map(choice) }),
    ...(info.defaultModel && { defaultModel: info.defaultModel }),
    ...(configOptions.length > 0 && { configOptions }),
  };
}

export function capabilitiesFromCommands(event: TaskEventOf<"commands">): AgentCapabilities {
  return {
    commands: event.commands.slice(0, limits.commands).map((c) => ({
      name: clip(c.name, 200),
      description: clip(c.description, 2000),
      ...(c.hint && { hint: clip(c.hint, 500) }),
    })),
  };
}

export class CapabilityStore {
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly pool: pg.Pool,
    private readonly log: Logger,
  ) {}

  /** Merges `patch` into the agent's cached capabilities (and `agent.version` when it has one). */
  record(agentId: string, patch: AgentCapabilities): Promise<void> {
    const parsed = agentCapabilitiesSchema.safeParse({ ...patch, reportedAt: new Date().toISOString() });
    if (!parsed.success) {
      this.log.warn("the agent reported capabilities Wharf cannot store; skipped", {
        agentId,
        issues: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join(".")}: ${i.message}`),
      });
      return this.queue;
    }
    const data = parsed.data;
    this.queue = this.queue.then(async () => {
      try {
        await this.pool.query(
          `update agent set capabilities = capabilities || $2::jsonb, version = coalesce($3, version), updated_at = now() where id = $1`,
          [agentId, JSON.stringify(data), data.agentVersion ?? null],
        );
      } catch (error) {
        this.log.error("storing the agent's capabilities failed", { agentId, error });
      }
    });
    return this.queue;
  }

  /** Resolves once every write queued so far is done. */
  idle(): Promise<void> {
    return this.queue;
  }
}

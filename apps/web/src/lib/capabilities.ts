import { agentCapabilitiesSchema } from "@wharf/api/schemas";
import type { SlashCommand } from "./slash-commands";

export type Choice = { id: string; name: string; description?: string };

export type AgentChoices = {
  modes: Choice[];
  models: Choice[];
  defaultMode?: string;
  defaultModel?: string;
  commands: SlashCommand[];
};

const none: AgentChoices = { modes: [], models: [], commands: [] };

/**
 * What an agent last reported (cached in `agent.capabilities` by the runner), read with the same
 * schema the runner writes with; anything else counts as "nothing known".
 */
export function agentChoices(capabilities: unknown): AgentChoices {
  const parsed = agentCapabilitiesSchema.safeParse(capabilities);
  if (!parsed.success) return none;
  const c = parsed.data;
  return {
    modes: c.modes ?? [],
    models: c.models ?? [],
    ...(c.defaultMode && { defaultMode: c.defaultMode }),
    ...(c.defaultModel && { defaultModel: c.defaultModel }),
    commands: (c.commands ?? []).map((x) => ({ name: x.name, description: x.description, ...(x.hint && { hint: x.hint }) })),
  };
}

/** "Agent default", naming the default when the agent said which one it is. */
export function defaultLabel(choices: Choice[], id: string | undefined): string {
  const name = id ? (choices.find((c) => c.id === id)?.name ?? id) : undefined;
  return name ? `Agent default (${name})` : "Agent default";
}

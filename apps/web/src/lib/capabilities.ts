import type { AgentCapabilities } from "@wharf/api/schemas";
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
 * What an agent last reported (cached in `agent.capabilities` by the runner; the API reads it with
 * the schema the runner writes with, so the browser needs no schema library); null is "nothing known".
 */
export function agentChoices(capabilities: AgentCapabilities | null | undefined): AgentChoices {
  if (!capabilities) return none;
  const c = capabilities;
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

/** What an agent reported about itself, for its row on the agents page; null when nothing is known. */
export type AgentReport = {
  agent?: string;
  version?: string;
  modes: Choice[];
  defaultMode?: string;
  models: Choice[];
  defaultModel?: string;
  commands: SlashCommand[];
  reportedAt?: string;
};

export function agentReport(capabilities: AgentCapabilities | null | undefined): AgentReport | null {
  if (!capabilities) return null;
  const c = capabilities;
  // Agents that offer models as a session config option (the native agent does) report them there.
  const modelOption = c.configOptions?.find((o) => o.category === "model" || o.id === "model");
  const models = c.models?.length ? c.models : (modelOption?.options ?? []);
  const defaultModel = c.models?.length ? c.defaultModel : (modelOption?.currentValue ?? c.defaultModel);
  const report: AgentReport = {
    ...(c.agentName && { agent: c.agentName }),
    ...(c.agentVersion && { version: c.agentVersion }),
    modes: c.modes ?? [],
    ...(c.defaultMode && { defaultMode: c.defaultMode }),
    models,
    ...(defaultModel && { defaultModel }),
    commands: (c.commands ?? []).map((x) => ({ name: x.name, description: x.description, ...(x.hint && { hint: x.hint }) })),
    ...(c.reportedAt && { reportedAt: c.reportedAt }),
  };
  const empty = !report.agent && !report.version && report.modes.length + report.models.length + report.commands.length === 0;
  return empty ? null : report;
}

const count = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;

/** "3 modes · 2 models · 5 commands": the parts there are, or the version alone. */
export function reportSummary(report: AgentReport): string {
  const parts = [
    report.modes.length > 0 && count(report.modes.length, "mode"),
    report.models.length > 0 && count(report.models.length, "model"),
    report.commands.length > 0 && count(report.commands.length, "command"),
  ].filter((p): p is string => Boolean(p));
  if (parts.length === 0) return report.version ? `version ${report.version}` : "no modes, models or commands";
  return parts.join(" · ");
}

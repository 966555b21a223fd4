import { z } from "zod";
import { commandSchema } from "./events";

/**
 * What an agent last reported about itself (ACP `initialize`, `session/new`,
 * `available_commands_update`), cached in `agent.capabilities` by the runner and offered by the
 * web composer. Every list and string is bounded: an agent cannot grow the row without limit.
 */

const id = z.string().min(1).max(200);
const label = z.string().max(500);
const description = z.string().max(2000);

export const capabilityChoiceSchema = z.object({ id, name: label, description: description.optional() });
export type CapabilityChoice = z.infer<typeof capabilityChoiceSchema>;

/** An ACP session config option of type "select" (others are not cached). */
export const capabilityConfigOptionSchema = z.object({
  id,
  name: label,
  description: description.optional(),
  category: z.string().max(100).optional(),
  currentValue: z.string().max(200).optional(),
  options: z.array(capabilityChoiceSchema).max(200),
});
export type CapabilityConfigOption = z.infer<typeof capabilityConfigOptionSchema>;

export const capabilityCommandSchema = commandSchema.extend({
  name: z.string().min(1).max(200),
  description: description.default(""),
  hint: z.string().max(500).optional(),
});
export type CapabilityCommand = z.infer<typeof capabilityCommandSchema>;

export const agentCapabilitiesSchema = z.object({
  /** From `initialize` (`agentInfo`). */
  agentName: label.optional(),
  agentVersion: z.string().max(100).optional(),
  loadSession: z.boolean().optional(),
  /** From `session/new`. */
  modes: z.array(capabilityChoiceSchema).max(100).optional(),
  /** The mode and model a new session starts in, before Wharf applies a task's choice. */
  defaultMode: id.optional(),
  models: z.array(capabilityChoiceSchema).max(200).optional(),
  defaultModel: id.optional(),
  configOptions: z.array(capabilityConfigOptionSchema).max(50).optional(),
  /** From `available_commands_update`. */
  commands: z.array(capabilityCommandSchema).max(500).optional(),
  /** When the runner last wrote any of the above (ISO 8601). */
  reportedAt: z.iso.datetime({ offset: true }).optional(),
});
export type AgentCapabilities = z.infer<typeof agentCapabilitiesSchema>;

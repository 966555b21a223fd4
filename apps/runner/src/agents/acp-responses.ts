import { z } from "zod";

/**
 * Agents' answers to our requests, parsed (the SDK passes responses through unvalidated). Lenient
 * about what Wharf can do without; strict about what it cannot.
 */

const lenient = <T extends z.ZodType>(schema: T) => schema.nullish().catch(undefined);

export const initializeResponseSchema = z.looseObject({
  protocolVersion: z.number().int(),
  agentCapabilities: lenient(
    z.looseObject({
      loadSession: lenient(z.boolean()),
      sessionCapabilities: lenient(z.looseObject({ resume: lenient(z.looseObject({})) })),
      /** Which MCP transports beyond stdio session/new takes. */
      mcpCapabilities: lenient(z.looseObject({ http: lenient(z.boolean()), sse: lenient(z.boolean()) })),
    }),
  ),
  agentInfo: lenient(z.looseObject({ name: lenient(z.string()), title: lenient(z.string()), version: lenient(z.string()) })),
});
export type InitializeAnswer = z.infer<typeof initializeResponseSchema>;

const modeSchema = z.looseObject({ id: z.string().min(1), name: z.string(), description: lenient(z.string()) });
const selectOptionSchema = z.looseObject({ value: z.string(), name: z.string() });
const selectEntrySchema = z.object({
  value: z.string().optional(),
  name: z.string().optional(),
  /** A group of options. */
  options: z.array(selectOptionSchema).optional(),
});
const configOptionSchema = z.looseObject({
  id: z.string().min(1),
  name: lenient(z.string()),
  description: lenient(z.string()),
  type: z.string(),
  category: lenient(z.string()),
  currentValue: z.unknown().optional(),
  options: lenient(z.array(selectEntrySchema)),
});
type ConfigOption = z.infer<typeof configOptionSchema>;

export const sessionStateSchema = z.looseObject({
  modes: lenient(z.looseObject({ currentModeId: z.string(), availableModes: z.array(modeSchema) })),
  configOptions: lenient(z.array(z.unknown())),
  /** Older agents (ACP drafts before config options) list models here and take `session/set_model`. */
  models: lenient(
    z.looseObject({
      currentModelId: lenient(z.string()),
      availableModels: z.array(z.looseObject({ modelId: z.string().min(1), name: z.string() })),
    }),
  ),
});
export type SessionState = z.infer<typeof sessionStateSchema>;

export const newSessionResponseSchema = sessionStateSchema.extend({ sessionId: z.string().min(1) });

export const promptResponseSchema = z.looseObject({
  stopReason: z.string(),
  usage: lenient(
    z.looseObject({
      inputTokens: lenient(z.number().nonnegative()),
      outputTokens: lenient(z.number().nonnegative()),
      totalTokens: lenient(z.number().nonnegative()),
    }),
  ),
});

/** Config options that parse; the others are skipped. */
function configOptions(state: SessionState): ConfigOption[] {
  return (state.configOptions ?? []).flatMap((raw) => {
    const parsed = configOptionSchema.safeParse(raw);
    return parsed.success ? [parsed.data] : [];
  });
}

/** The values a select option offers, groups flattened. */
function selectValues(option: ConfigOption): { id: string; name: string }[] {
  return (option.options ?? []).flatMap((o) => {
    if (o.value !== undefined) return [{ id: o.value, name: o.name ?? o.value }];
    return (o.options ?? []).map((x) => ({ id: x.value, name: x.name }));
  });
}

export type SessionChoices = {
  modes: { id: string; name: string; description?: string }[];
  currentMode?: string;
  /** Where mode changes go: `session/set_mode`, or a config option of category "mode". */
  modeConfigId?: string;
  models: { id: string; name: string }[];
  currentModel?: string;
  /** Where model changes go: a config option of category "model", else `session/set_model`. */
  modelConfigId?: string;
  /** Every select config option the agent offers (mode and model ones included), for the composer. */
  configOptions: SelectConfigOption[];
};

export type SelectConfigOption = {
  id: string;
  name: string;
  description?: string;
  category?: string;
  currentValue?: string;
  options: { id: string; name: string }[];
};

function selectConfigOption(o: ConfigOption): SelectConfigOption {
  return {
    id: o.id,
    name: o.name ?? o.id,
    ...(o.description && { description: o.description }),
    ...(o.category && { category: o.category }),
    ...(typeof o.currentValue === "string" && { currentValue: o.currentValue }),
    options: selectValues(o),
  };
}

export function sessionChoices(state: SessionState): SessionChoices {
  const options = configOptions(state);
  const choices: SessionChoices = {
    modes: [],
    models: [],
    configOptions: options.filter((o) => o.type === "select").map(selectConfigOption),
  };
  const modeOption = options.find((o) => o.category === "mode" && o.type === "select");
  if (state.modes) {
    choices.modes = state.modes.availableModes.map((m) =>
      m.description ? { id: m.id, name: m.name, description: m.description } : { id: m.id, name: m.name },
    );
    choices.currentMode = state.modes.currentModeId;
  } else if (modeOption) {
    choices.modes = selectValues(modeOption);
    if (typeof modeOption.currentValue === "string") choices.currentMode = modeOption.currentValue;
    choices.modeConfigId = modeOption.id;
  }
  const modelOption = options.find((o) => o.category === "model" && o.type === "select");
  if (modelOption) {
    choices.models = selectValues(modelOption);
    if (typeof modelOption.currentValue === "string") choices.currentModel = modelOption.currentValue;
    choices.modelConfigId = modelOption.id;
  } else if (state.models) {
    choices.models = state.models.availableModels.map((m) => ({ id: m.modelId, name: m.name }));
    if (state.models.currentModelId) choices.currentModel = state.models.currentModelId;
  }
  return choices;
}

import { z } from "zod";

/**
 * The scenario format: what the test agent does, turn by turn. Every prompt in a session runs the
 * next turn's steps in order; a turn ends with `end_turn` unless a step ends it otherwise.
 * Relative paths in steps are resolved against the session's cwd.
 */

const toolKindSchema = z.enum([
  "read",
  "edit",
  "delete",
  "move",
  "search",
  "execute",
  "think",
  "fetch",
  "switch_mode",
  "other",
]);
const toolStatusSchema = z.enum(["pending", "in_progress", "completed", "failed"]);
const stopReasonSchema = z.enum(["end_turn", "max_tokens", "max_turn_requests", "refusal", "cancelled"]);

export const toolContentSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("text"), text: z.string() }),
  z.strictObject({
    type: z.literal("diff"),
    path: z.string().min(1),
    oldText: z.string().nullable().optional(),
    newText: z.string(),
  }),
  z.strictObject({ type: z.literal("terminal"), terminalId: z.string().min(1) }),
]);
export type ToolContent = z.infer<typeof toolContentSchema>;

const locationSchema = z.strictObject({
  path: z.string().min(1),
  line: z.number().int().nonnegative().optional(),
});

export const permissionOptionSchema = z.strictObject({
  optionId: z.string().min(1),
  name: z.string().min(1),
  kind: z.enum(["allow_once", "allow_always", "reject_once", "reject_always"]),
});
export type PermissionOptionSpec = z.infer<typeof permissionOptionSchema>;

/** What to do when the client answers an `fs/*` request with an error. */
const onErrorSchema = z.enum(["fail", "continue"]).default("fail");

const chunkedText = {
  text: z.string(),
  /** Split the text into this many chunks (one `session/update` each). */
  chunks: z.number().int().min(1).max(10_000).default(1),
  /** Pause between chunks. */
  delayMs: z.number().int().nonnegative().default(0),
};

const textStep = z.strictObject({ type: z.literal("text"), ...chunkedText });
const thoughtStep = z.strictObject({ type: z.literal("thought"), ...chunkedText });
const planStep = z.strictObject({
  type: z.literal("plan"),
  entries: z.array(
    z.strictObject({
      content: z.string(),
      priority: z.enum(["high", "medium", "low"]).default("medium"),
      status: z.enum(["pending", "in_progress", "completed"]).default("pending"),
    }),
  ),
});
const toolCallStep = z.strictObject({
  type: z.literal("tool_call"),
  id: z.string().min(1),
  title: z.string(),
  kind: toolKindSchema.optional(),
  status: toolStatusSchema.optional(),
  content: z.array(toolContentSchema).optional(),
  locations: z.array(locationSchema).optional(),
  rawInput: z.unknown().optional(),
});
const toolCallUpdateStep = z.strictObject({
  type: z.literal("tool_call_update"),
  id: z.string().min(1),
  title: z.string().optional(),
  kind: toolKindSchema.optional(),
  status: toolStatusSchema.optional(),
  content: z.array(toolContentSchema).optional(),
  locations: z.array(locationSchema).optional(),
  rawOutput: z.unknown().optional(),
});
const readFileStep = z.strictObject({
  type: z.literal("read_file"),
  path: z.string().min(1),
  line: z.number().int().min(1).optional(),
  limit: z.number().int().min(1).optional(),
  /** Send the content back as an agent message chunk (`Read <path>: <content>`). */
  echo: z.boolean().default(false),
  onError: onErrorSchema,
});
const writeFileStep = z.strictObject({
  type: z.literal("write_file"),
  path: z.string().min(1),
  content: z.string(),
  onError: onErrorSchema,
});
const writeFileDirectStep = z.strictObject({
  type: z.literal("write_file_direct"),
  path: z.string().min(1),
  content: z.string(),
});
const terminalStep = z.strictObject({
  type: z.literal("terminal"),
  command: z.string().min(1),
  args: z.array(z.string()).default([]),
  cwd: z.string().optional(),
  env: z.record(z.string(), z.string()).optional(),
  outputByteLimit: z.number().int().positive().optional(),
  /** Tool call that embeds the terminal; generated when absent. */
  toolCallId: z.string().min(1).optional(),
  title: z.string().optional(),
  /** Kill the command (terminal/kill) if it has not exited after this long. */
  killAfterMs: z.number().int().positive().optional(),
  /** Send the output back as an agent message chunk. */
  echo: z.boolean().default(false),
  /** `continue`: a refused terminal/create is reported as agent text and the turn goes on. */
  onError: onErrorSchema,
});
const sleepStep = z.strictObject({ type: z.literal("sleep"), ms: z.number().int().nonnegative() });
const hangStep = z.strictObject({ type: z.literal("hang") });
/** From here on the process ignores SIGTERM, so only SIGKILL ends it. */
const ignoreSigtermStep = z.strictObject({ type: z.literal("ignore_sigterm") });
const exitStep = z.strictObject({
  type: z.literal("exit"),
  code: z.number().int().min(0).max(255).default(1),
  stderr: z.string().default("wharf-test-agent: exiting in the middle of a turn\n"),
});
const garbageStep = z.strictObject({
  type: z.literal("garbage"),
  text: z.string().default("this is not JSON-RPC {{{"),
});
const stderrStep = z.strictObject({ type: z.literal("stderr"), text: z.string() });
const usageStep = z.strictObject({
  type: z.literal("usage"),
  used: z.number().int().nonnegative(),
  size: z.number().int().nonnegative(),
  cost: z.strictObject({ amount: z.number(), currency: z.string() }).optional(),
});
const commandSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string(),
  hint: z.string().optional(),
});
const availableCommandsStep = z.strictObject({
  type: z.literal("available_commands"),
  commands: z.array(commandSchema),
});
const currentModeStep = z.strictObject({ type: z.literal("current_mode"), modeId: z.string().min(1) });
const sessionInfoStep = z.strictObject({
  type: z.literal("session_info"),
  title: z.string().optional(),
  updatedAt: z.string().optional(),
});
const extNotificationStep = z.strictObject({
  type: z.literal("ext_notification"),
  method: z.string().startsWith("_"),
  params: z.record(z.string(), z.unknown()).default({}),
});
/** Any `session/update` payload, sent as is (for update kinds without a step of their own). */
const rawUpdateStep = z.strictObject({
  type: z.literal("update"),
  update: z.looseObject({ sessionUpdate: z.string().min(1) }),
});
const duplicateToolCallStep = z.strictObject({
  type: z.literal("duplicate_tool_call"),
  id: z.string().min(1),
  title: z.string(),
  kind: toolKindSchema.default("edit"),
  path: z.string().min(1),
  oldText: z.string().nullable().optional(),
  newText: z.string(),
});
const updateUnknownToolCallStep = z.strictObject({
  type: z.literal("update_unknown_tool_call"),
  id: z.string().min(1).default("never-announced"),
  title: z.string().optional(),
  status: toolStatusSchema.default("completed"),
  content: z.array(toolContentSchema).optional(),
});
const floodStep = z.strictObject({
  type: z.literal("flood"),
  count: z.number().int().min(1).max(10_000_000),
  /** Messages per second; as fast as possible when absent. */
  ratePerSecond: z.number().positive().optional(),
});
const stopStep = z.strictObject({ type: z.literal("stop"), stopReason: stopReasonSchema });
const errorStep = z.strictObject({
  type: z.literal("error"),
  message: z.string(),
  code: z.number().int().default(-32603),
});
const envDumpStep = z.strictObject({ type: z.literal("env_dump"), path: z.string().min(1) });
const spawnDetachedStep = z.strictObject({
  type: z.literal("spawn_detached"),
  pidFile: z.string().min(1),
  command: z.string().min(1).default("sleep"),
  args: z.array(z.string()).default(["9999"]),
});
const recordStep = z.strictObject({ type: z.literal("record"), path: z.string().min(1) });
/**
 * Starts the stdio MCP server named `server` that session/new (or load) gave the agent, as a real
 * MCP client, and calls its tools in order. A string argument `"$name"` or `"$name.field"` is the
 * (JSON) result of an earlier call saved `as` that name. Each call's result (text parsed as JSON
 * when it is, and isError) is written to `record`, a file in the session's folder.
 */
const mcpStep = z.strictObject({
  type: z.literal("mcp"),
  server: z.string().min(1),
  calls: z
    .array(
      z.strictObject({
        tool: z.string().min(1),
        arguments: z.record(z.string(), z.unknown()).default({}),
        as: z.string().regex(/^\w+$/).optional(),
        /** How long the call may take (the MCP client's request timeout). */
        timeoutMs: z.number().int().positive().default(60_000),
      }),
    )
    .min(1),
  record: z.string().min(1),
});

/** Steps with nested steps are defined with getters so the union can refer to itself. */
const permissionStep = z.strictObject({
  type: z.literal("permission"),
  toolCallId: z.string().min(1),
  title: z.string().optional(),
  kind: toolKindSchema.optional(),
  content: z.array(toolContentSchema).optional(),
  locations: z.array(locationSchema).optional(),
  options: z.array(permissionOptionSchema).min(1).optional(),
  get onAllow(): z.ZodOptional<z.ZodArray<typeof stepSchema>> {
    return z.array(stepSchema).optional();
  },
  get onReject(): z.ZodOptional<z.ZodArray<typeof stepSchema>> {
    return z.array(stepSchema).optional();
  },
});
const afterResponseStep = z.strictObject({
  type: z.literal("after_response"),
  delayMs: z.number().int().nonnegative().default(0),
  get steps(): z.ZodArray<typeof stepSchema> {
    return z.array(stepSchema);
  },
});

export const stepSchema = z.discriminatedUnion("type", [
  textStep,
  thoughtStep,
  planStep,
  toolCallStep,
  toolCallUpdateStep,
  permissionStep,
  readFileStep,
  writeFileStep,
  writeFileDirectStep,
  terminalStep,
  sleepStep,
  hangStep,
  ignoreSigtermStep,
  exitStep,
  garbageStep,
  stderrStep,
  usageStep,
  availableCommandsStep,
  currentModeStep,
  sessionInfoStep,
  extNotificationStep,
  rawUpdateStep,
  duplicateToolCallStep,
  updateUnknownToolCallStep,
  floodStep,
  stopStep,
  errorStep,
  afterResponseStep,
  envDumpStep,
  spawnDetachedStep,
  recordStep,
  mcpStep,
]);
export type Step = z.infer<typeof stepSchema>;
export type StepInput = z.input<typeof stepSchema>;
export type StepType = Step["type"];
export type StepOf<T extends StepType> = Extract<Step, { type: T }>;

const modeSchema = z.strictObject({
  id: z.string().min(1),
  name: z.string().min(1),
  description: z.string().optional(),
});

/** How the agent presents itself; only read from the scenario the process starts with. */
export const agentProfileSchema = z.strictObject({
  modes: z.array(modeSchema).min(1).optional(),
  defaultMode: z.string().optional(),
  models: z.array(z.string().min(1)).min(1).optional(),
  commands: z.array(commandSchema).optional(),
  loadSession: z.boolean().default(true),
  /**
   * The MCP transports beyond stdio it advertises (agentCapabilities.mcpCapabilities); session/new
   * and session/load refuse a server of a transport it did not advertise. Default: stdio only.
   */
  mcp: z.strictObject({ http: z.boolean().default(false), sse: z.boolean().default(false) }).optional(),
  /** Delay the `initialize` response (for start-up timeouts). */
  initializeDelayMs: z.number().int().nonnegative().default(0),
});
export type AgentProfile = z.infer<typeof agentProfileSchema>;

export const scenarioSchema = z
  .strictObject({
    name: z.string().optional(),
    description: z.string().optional(),
    agent: agentProfileSchema.optional(),
    /** One list of steps per prompt. */
    turns: z.array(z.array(stepSchema)).min(1).optional(),
    /** Shorthand for a single turn. */
    steps: z.array(stepSchema).optional(),
    /** Prompts after the last turn run the last turn again (instead of saying there is none). */
    repeatLastTurn: z.boolean().default(false),
  })
  .refine((s) => (s.turns === undefined) !== (s.steps === undefined), {
    message: "a scenario has either `turns` or `steps`, not both and not neither",
  });
export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;

/** The turns of a scenario, whichever form it was written in. */
export function scenarioTurns(scenario: Scenario): Step[][] {
  return scenario.turns ?? [scenario.steps ?? []];
}

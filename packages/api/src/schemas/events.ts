import { z } from "zod";
import { taskStates } from "./task-states";

/**
 * Task events: the one shape shared by the runner (writer), the web tier (reader, SSE) and the
 * typed client. Stored in `task_event` as (type, payload) where payload is the whole event.
 */

export * from "./task-states";

export const taskStateSchema = z.enum(taskStates);

/** Longest text of an event (a message's, a tool call's content). */
const maxText = 1_000_000;
const text = z.string().max(maxText);
const shortText = z.string().max(10_000);

export const toolKindSchema = z.enum([
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
export type ToolKind = z.infer<typeof toolKindSchema>;

export const toolStatusSchema = z.enum([
  "pending",
  "in_progress",
  "completed",
  "failed",
  "awaiting_permission",
  "denied",
]);
export type ToolStatus = z.infer<typeof toolStatusSchema>;

export const toolContentSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text"), text }),
  z.object({
    type: z.literal("diff"),
    path: shortText,
    oldText: text.nullable(),
    newText: text,
  }),
  z.object({ type: z.literal("terminal"), terminalId: shortText }),
]);
export type ToolContent = z.infer<typeof toolContentSchema>;

export const toolLocationSchema = z.object({
  path: shortText,
  line: z.number().int().nullable().optional(),
});

export const permissionOptionSchema = z.object({
  optionId: shortText,
  name: shortText,
  kind: z.enum(["allow_once", "allow_always", "reject_once", "reject_always"]),
});
export type PermissionOption = z.infer<typeof permissionOptionSchema>;

export const statusEventSchema = z.object({
  type: z.literal("status"),
  state: taskStateSchema,
  /** Why the state changed, for people: "agent finished", "cancelled by user", … */
  reason: shortText.optional(),
});

export const messageEventSchema = z.object({
  type: z.literal("message"),
  role: z.enum(["agent", "user", "thought"]),
  text,
});

/**
 * Upsert by toolCallId: the first event for an id creates the entry, later ones replace the
 * fields they carry (undefined = unchanged). `content` and `locations`, when present, replace.
 */
export const toolCallEventSchema = z.object({
  type: z.literal("tool_call"),
  toolCallId: shortText,
  title: shortText.optional(),
  kind: toolKindSchema.optional(),
  status: toolStatusSchema.optional(),
  content: z.array(toolContentSchema).max(1000).optional(),
  locations: z.array(toolLocationSchema).max(1000).optional(),
  rawInput: z.unknown().optional(),
  rawOutput: z.unknown().optional(),
});

export const planEntrySchema = z.object({
  content: shortText,
  priority: z.enum(["high", "medium", "low"]).default("medium"),
  status: z.enum(["pending", "in_progress", "completed"]),
});

export const planEventSchema = z.object({
  type: z.literal("plan"),
  entries: z.array(planEntrySchema).max(1000),
});

export const permissionEventSchema = z.discriminatedUnion("phase", [
  z.object({
    type: z.literal("permission"),
    phase: z.literal("requested"),
    requestId: z.string().uuid(),
    toolCallId: shortText,
    title: shortText.optional(),
    kind: toolKindSchema.optional(),
    options: z.array(permissionOptionSchema).max(20),
  }),
  z.object({
    type: z.literal("permission"),
    phase: z.literal("resolved"),
    requestId: z.string().uuid(),
    toolCallId: shortText,
    outcome: z.enum(["selected", "cancelled", "expired"]),
    optionId: shortText.optional(),
    optionKind: permissionOptionSchema.shape.kind.optional(),
    answeredBy: shortText.optional(),
  }),
]);

export const terminalOutputEventSchema = z.object({
  type: z.literal("terminal_output"),
  terminalId: shortText,
  /** UTF-8 text of the chunk (terminal bytes, ANSI sequences kept). */
  data: text,
  exitCode: z.number().int().nullable().optional(),
  signal: shortText.nullable().optional(),
  truncated: z.boolean().optional(),
});

export const usageEventSchema = z.object({
  type: z.literal("usage"),
  inputTokens: z.number().nonnegative().optional(),
  outputTokens: z.number().nonnegative().optional(),
  totalTokens: z.number().nonnegative().optional(),
  /** Context window: tokens used and its size, when the agent reports them. */
  used: z.number().nonnegative().optional(),
  size: z.number().nonnegative().optional(),
  cost: z.object({ amount: z.number(), currency: z.string().max(16) }).optional(),
});

export const commandSchema = z.object({
  name: shortText,
  description: shortText.default(""),
  hint: shortText.optional(),
});

export const commandsEventSchema = z.object({
  type: z.literal("commands"),
  commands: z.array(commandSchema).max(1000),
});

export const modeEventSchema = z.object({
  type: z.literal("mode"),
  modeId: shortText,
});

export const changeFileSchema = z.object({
  path: shortText,
  oldPath: shortText.optional(),
  status: z.enum(["added", "modified", "deleted", "renamed", "copied", "type_changed"]),
  additions: z.number().int().nonnegative(),
  deletions: z.number().int().nonnegative(),
  binary: z.boolean(),
});
export type ChangeFile = z.infer<typeof changeFileSchema>;

export const changeReadyEventSchema = z.object({
  type: z.literal("change_ready"),
  changeId: z.string().uuid().nullable(),
  files: z.number().int().nonnegative(),
  additions: z.number().int().nonnegative(),
  deletions: z.number().int().nonnegative(),
});

/**
 * Something about the task's review changed outside its timeline proper: comments (added, edited,
 * deleted, sent), viewed marks, the change itself (partly applied, rebased) or its pull request.
 * Pages that show that part read it again.
 */
export const reviewEventSchema = z.object({
  type: z.literal("review"),
  subject: z.enum(["comments", "viewed", "change", "pull_request"]),
});

export const errorEventSchema = z.object({
  type: z.literal("error"),
  message: shortText,
  detail: text.optional(),
});

export const taskEventSchema = z.discriminatedUnion("type", [
  statusEventSchema,
  messageEventSchema,
  toolCallEventSchema,
  planEventSchema,
  permissionEventSchema,
  terminalOutputEventSchema,
  usageEventSchema,
  commandsEventSchema,
  modeEventSchema,
  changeReadyEventSchema,
  reviewEventSchema,
  errorEventSchema,
]);
export type TaskEvent = z.infer<typeof taskEventSchema>;
export type TaskEventType = TaskEvent["type"];
export type TaskEventOf<T extends TaskEventType> = Extract<TaskEvent, { type: T }>;

const messageRoles: ReadonlySet<unknown> = new Set(messageEventSchema.shape.role.options);

/**
 * `taskEventSchema.safeParse`, with the most common event, a message, checked by hand to the same
 * rules (role, text up to its limit, other keys dropped): a stream of a busy task reads thousands
 * a second, and the union's parse was a good part of the cost of serving them.
 */
export function safeParseTaskEvent(payload: unknown): { success: true; data: TaskEvent } | { success: false; error: z.ZodError } {
  if (typeof payload === "object" && payload !== null) {
    const { type, role, text } = payload as { type?: unknown; role?: unknown; text?: unknown };
    if (type === "message" && messageRoles.has(role) && typeof text === "string" && text.length <= maxText) {
      return { success: true, data: { type, role: role as TaskEventOf<"message">["role"], text } };
    }
  }
  return taskEventSchema.safeParse(payload);
}

/** A stored event as read back: its dense per-task sequence number and time. */
export type StoredTaskEvent = { seq: number; at: string; event: TaskEvent };

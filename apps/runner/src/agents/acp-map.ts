import { z } from "zod";
import {
  toolKindSchema,
  type TaskEvent,
  type TaskEventOf,
  type ToolContent,
  type ToolKind,
  type ToolStatus,
} from "@wharf/api/schemas";

/**
 * ACP `session/update` → task events. Pure: no I/O, never throws. Parsing is lenient where real
 * agents differ (unknown tool kinds, nulls, extra fields) and strict only where the data would be
 * meaningless without it; text is clipped to the limits of the task event schema.
 */

export type MapResult =
  | { kind: "events"; events: TaskEvent[] }
  /** A well-formed update that carries nothing for the task timeline. */
  | { kind: "ignored"; updateKind: string }
  /** A malformed update: log `reason` and skip it. */
  | { kind: "invalid"; updateKind: string; reason: string };

const maxText = 1_000_000;
const maxShort = 10_000;
const maxItems = 1000;

const clip = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);
const short = (s: string) => clip(s, maxShort);

const opt = <T extends z.ZodType>(schema: T) => schema.nullish().catch(undefined);

const contentBlockSchema = z.looseObject({
  type: z.string(),
  text: z.string().optional().catch(undefined),
  name: z.string().optional().catch(undefined),
  uri: z.string().optional().catch(undefined),
  mimeType: z.string().optional().catch(undefined),
  resource: z.looseObject({ uri: z.string().optional(), text: z.string().optional() }).optional().catch(undefined),
});
type ContentBlock = z.infer<typeof contentBlockSchema>;

/** Text of a content block; non-text content becomes a short placeholder. */
function blockText(block: ContentBlock): string {
  switch (block.type) {
    case "text":
      return block.text ?? "";
    case "image":
      return `[image${block.mimeType ? ` ${block.mimeType}` : ""}]`;
    case "audio":
      return `[audio${block.mimeType ? ` ${block.mimeType}` : ""}]`;
    case "resource_link":
      return `[${block.name ?? "link"}](${block.uri ?? ""})`;
    case "resource":
      return `[resource ${block.resource?.uri ?? ""}]`.replace(" ]", "]");
    default:
      return `[${block.type} content]`;
  }
}

const toolContentItemSchema = z.looseObject({
  type: z.string(),
  content: contentBlockSchema.optional().catch(undefined),
  path: z.string().optional().catch(undefined),
  oldText: z.string().nullish().catch(undefined),
  newText: z.string().optional().catch(undefined),
  terminalId: z.string().optional().catch(undefined),
});

function toolContent(items: unknown[]): ToolContent[] {
  const out: ToolContent[] = [];
  for (const raw of items.slice(0, maxItems)) {
    const parsed = toolContentItemSchema.safeParse(raw);
    if (!parsed.success) continue;
    const item = parsed.data;
    if (item.type === "content" && item.content) out.push({ type: "text", text: clip(blockText(item.content), maxText) });
    else if (item.type === "diff" && item.path !== undefined && item.newText !== undefined) {
      out.push({
        type: "diff",
        path: short(item.path),
        oldText: item.oldText == null ? null : clip(item.oldText, maxText),
        newText: clip(item.newText, maxText),
      });
    } else if (item.type === "terminal" && item.terminalId) out.push({ type: "terminal", terminalId: short(item.terminalId) });
  }
  return out;
}

const locationSchema = z.looseObject({ path: z.string(), line: z.number().int().nullish().catch(undefined) });

const acpToolStatus = z.enum(["pending", "in_progress", "completed", "failed"]);

const toolCallSchema = z.looseObject({
  toolCallId: z.string().min(1),
  title: opt(z.string()),
  kind: opt(z.string()),
  status: opt(acpToolStatus),
  content: opt(z.array(z.unknown())),
  locations: opt(z.array(z.unknown())),
  rawInput: z.unknown().optional(),
  rawOutput: z.unknown().optional(),
});
type AcpToolCall = z.infer<typeof toolCallSchema>;

function toolKind(kind: string | null | undefined): ToolKind | undefined {
  if (kind == null) return undefined;
  const parsed = toolKindSchema.safeParse(kind);
  return parsed.success ? parsed.data : "other";
}

function toolCallEvent(call: AcpToolCall, status?: ToolStatus): TaskEventOf<"tool_call"> {
  const event: TaskEventOf<"tool_call"> = { type: "tool_call", toolCallId: short(call.toolCallId) };
  if (call.title != null) event.title = short(call.title);
  const kind = toolKind(call.kind);
  if (kind) event.kind = kind;
  const s = status ?? call.status ?? undefined;
  if (s) event.status = s;
  if (call.content != null) event.content = toolContent(call.content);
  if (call.locations != null) {
    event.locations = call.locations.slice(0, maxItems).flatMap((raw) => {
      const loc = locationSchema.safeParse(raw);
      if (!loc.success) return [];
      return [loc.data.line == null ? { path: short(loc.data.path) } : { path: short(loc.data.path), line: loc.data.line }];
    });
  }
  if (call.rawInput !== undefined) event.rawInput = call.rawInput;
  if (call.rawOutput !== undefined) event.rawOutput = call.rawOutput;
  return event;
}

/** The tool call named by a `session/request_permission`, as an upsert in `awaiting_permission`. */
export function permissionToolCall(raw: unknown): TaskEventOf<"tool_call"> | undefined {
  const parsed = toolCallSchema.safeParse(raw);
  return parsed.success ? toolCallEvent(parsed.data, "awaiting_permission") : undefined;
}

const chunkSchema = z.looseObject({ content: contentBlockSchema });
const planSchema = z.looseObject({
  entries: z.array(
    z.looseObject({
      content: z.string(),
      priority: z.enum(["high", "medium", "low"]).catch("medium"),
      status: z.enum(["pending", "in_progress", "completed"]).catch("pending"),
    }),
  ),
});
const commandsSchema = z.looseObject({
  availableCommands: z.array(
    z.looseObject({
      name: z.string(),
      description: z.string().nullish().catch(undefined),
      input: z.looseObject({ hint: z.string().optional() }).nullish().catch(undefined),
    }),
  ),
});
const modeSchema = z.looseObject({ currentModeId: z.string().min(1) });
const count = z.number().nonnegative().optional().catch(undefined);
const usageSchema = z.looseObject({
  used: count,
  size: count,
  inputTokens: count,
  outputTokens: count,
  totalTokens: count,
  cost: z.object({ amount: z.number(), currency: z.string().max(16) }).nullish().catch(undefined),
});

function reasonOf(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join(".") || "(update)"}: ${i.message}`).join("; ");
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * The text of a chunk whose content is a text block, checked by hand: nearly every update an agent
 * streams is one, and three schema parses per update were a good part of the runner's work (and
 * of its garbage) at thousands of updates a second. Anything else goes through `chunkSchema`.
 */
function plainText(update: Record<string, unknown>): string | undefined {
  const content = update.content;
  return isRecord(content) && content.type === "text" && typeof content.text === "string" ? content.text : undefined;
}

/** Maps the `update` of one `session/update` notification. */
export function mapSessionUpdate(update: unknown): MapResult {
  if (!isRecord(update) || typeof update.sessionUpdate !== "string") return { kind: "invalid", updateKind: "?", reason: "the update has no sessionUpdate kind" };
  const updateKind = update.sessionUpdate;
  const parse = <T>(schema: z.ZodType<T>, build: (data: T) => TaskEvent[]): MapResult => {
    const parsed = schema.safeParse(update);
    if (!parsed.success) return { kind: "invalid", updateKind, reason: reasonOf(parsed.error) };
    return { kind: "events", events: build(parsed.data) };
  };
  const message = (role: "agent" | "user" | "thought"): MapResult => {
    const text = plainText(update);
    if (text !== undefined) return { kind: "events", events: [{ type: "message", role, text: clip(text, maxText) }] };
    return parse(chunkSchema, (u) => [{ type: "message", role, text: clip(blockText(u.content), maxText) }]);
  };

  switch (updateKind) {
    case "agent_message_chunk":
      return message("agent");
    case "agent_thought_chunk":
      return message("thought");
    case "user_message_chunk":
      return message("user");
    case "tool_call":
    case "tool_call_update":
      return parse(toolCallSchema, (u) => [toolCallEvent(u)]);
    case "plan":
      return parse(planSchema, (u) => [
        {
          type: "plan",
          entries: u.entries
            .slice(0, maxItems)
            .map((e) => ({ content: short(e.content), priority: e.priority, status: e.status })),
        },
      ]);
    case "available_commands_update":
      return parse(commandsSchema, (u) => [
        {
          type: "commands",
          commands: u.availableCommands.slice(0, maxItems).map((c) => {
            const command = { name: short(c.name), description: short(c.description ?? "") };
            return c.input?.hint === undefined ? command : { ...command, hint: short(c.input.hint) };
          }),
        },
      ]);
    case "current_mode_update":
      return parse(modeSchema, (u) => [{ type: "mode", modeId: short(u.currentModeId) }]);
    case "usage_update":
      return parse(usageSchema, (u) => {
        const event: TaskEventOf<"usage"> = { type: "usage" };
        if (u.used !== undefined) event.used = u.used;
        if (u.size !== undefined) event.size = u.size;
        if (u.inputTokens !== undefined) event.inputTokens = u.inputTokens;
        if (u.outputTokens !== undefined) event.outputTokens = u.outputTokens;
        if (u.totalTokens !== undefined) event.totalTokens = u.totalTokens;
        if (u.cost) event.cost = { amount: u.cost.amount, currency: u.cost.currency };
        return [event];
      });
    default:
      // config_option_update, session_info_update, notice, compaction_*, kinds from newer agents.
      return { kind: "ignored", updateKind };
  }
}

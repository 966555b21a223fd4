import type { PermissionOption, TaskEvent, TaskEventOf, TaskState, ToolContent, ToolKind, ToolStatus } from "@wharf/api";

/** Events a task page starts with; older ones load on scroll to the top. */
export const TIMELINE_TAIL = 120;

/** One stored or live task event as the browser receives it. */
export type TimelineEvent = { seq: number; at: string | Date; event: TaskEvent };

type PlanEntry = TaskEventOf<"plan">["entries"][number];

type MessageItem = { kind: "message"; key: string; seq: number; role: "agent" | "user" | "thought"; text: string };
export type ToolItem = {
  kind: "tool";
  key: string;
  seq: number;
  toolCallId: string;
  title: string;
  toolKind: ToolKind;
  status: ToolStatus;
  content: ToolContent[];
  locations: { path: string; line?: number | null }[];
  rawInput?: unknown;
  rawOutput?: unknown;
};
type PlanItem = { kind: "plan"; key: string; seq: number; entries: PlanEntry[] };
type StatusItem = { kind: "status"; key: string; seq: number; state: TaskState; reason?: string };
type ErrorItem = { kind: "error"; key: string; seq: number; message: string; detail?: string };
type ChangeItem = { kind: "change"; key: string; seq: number; files: number; additions: number; deletions: number };
export type TimelineItem = MessageItem | ToolItem | PlanItem | StatusItem | ErrorItem | ChangeItem;

export type PendingPermission = {
  requestId: string;
  toolCallId: string;
  title?: string;
  toolKind?: ToolKind;
  options: PermissionOption[];
};

type Usage = { inputTokens?: number; outputTokens?: number; totalTokens?: number; used?: number; size?: number; cost?: { amount: number; currency: string } };

export type Terminal = { data: string; exitCode?: number | null; signal?: string | null; truncated?: boolean };

export type Timeline = {
  items: TimelineItem[];
  /** Highest seq folded in; 0 when empty. */
  lastSeq: number;
  /** Lowest seq folded in; 0 when empty. */
  firstSeq: number;
  state?: TaskState;
  pending: PendingPermission[];
  usage: Usage;
  mode?: string;
  commands: { name: string; description: string; hint?: string }[];
  terminals: Record<string, Terminal>;
};

export const emptyTimeline: Timeline = {
  items: [],
  lastSeq: 0,
  firstSeq: 0,
  pending: [],
  usage: {},
  commands: [],
  terminals: {},
};

/** Terminal output kept per terminal in the browser; older bytes are dropped first. */
const TERMINAL_KEEP = 200_000;

/**
 * Folds events (ascending by seq) into the timeline view model, returning a new timeline.
 * Events at or below `timeline.lastSeq` are skipped, so live and stored events may overlap.
 * Consecutive message chunks of one role form one bubble; tool calls are upserted by id;
 * the plan is one item updated in place; permission requests mark their tool call.
 */
export function foldEvents(timeline: Timeline, events: readonly TimelineEvent[]): Timeline {
  const fresh = events.filter((e) => e.seq > timeline.lastSeq);
  if (fresh.length === 0) return timeline;
  const items = timeline.items.slice();
  const toolIndex = new Map<string, number>();
  items.forEach((item, index) => {
    if (item.kind === "tool") toolIndex.set(item.toolCallId, index);
  });
  let planIndex = items.findIndex((item) => item.kind === "plan");
  const next: Timeline = {
    ...timeline,
    items,
    pending: timeline.pending.slice(),
    terminals: { ...timeline.terminals },
    firstSeq: timeline.firstSeq || fresh[0]!.seq,
  };

  const upsertTool = (id: string, seq: number, update: (tool: ToolItem) => ToolItem) => {
    const at = toolIndex.get(id);
    if (at === undefined) {
      const created: ToolItem = { kind: "tool", key: `tool-${id}`, seq, toolCallId: id, title: id, toolKind: "other", status: "pending", content: [], locations: [] };
      toolIndex.set(id, items.length);
      items.push(update(created));
    } else {
      items[at] = update(items[at] as ToolItem);
    }
  };

  for (const { seq, event } of fresh) {
    next.lastSeq = seq;
    switch (event.type) {
      case "message": {
        const last = items[items.length - 1];
        if (last?.kind === "message" && last.role === event.role) items[items.length - 1] = { ...last, text: last.text + event.text };
        else items.push({ kind: "message", key: `m-${seq}`, seq, role: event.role, text: event.text });
        break;
      }
      case "tool_call":
        upsertTool(event.toolCallId, seq, (tool) => ({
          ...tool,
          title: event.title ?? tool.title,
          toolKind: event.kind ?? tool.toolKind,
          // A denied call stays denied even when the agent then reports it failed.
          status: tool.status === "denied" && event.status === "failed" ? "denied" : (event.status ?? tool.status),
          content: event.content ?? tool.content,
          locations: event.locations ?? tool.locations,
          rawInput: event.rawInput !== undefined ? event.rawInput : tool.rawInput,
          rawOutput: event.rawOutput !== undefined ? event.rawOutput : tool.rawOutput,
        }));
        break;
      case "plan":
        if (planIndex === -1) {
          planIndex = items.length;
          items.push({ kind: "plan", key: `plan-${seq}`, seq, entries: event.entries });
        } else {
          items[planIndex] = { ...(items[planIndex] as PlanItem), entries: event.entries };
        }
        break;
      case "permission":
        if (event.phase === "requested") {
          next.pending = next.pending.filter((p) => p.requestId !== event.requestId);
          next.pending.push({ requestId: event.requestId, toolCallId: event.toolCallId, title: event.title, toolKind: event.kind, options: event.options });
          upsertTool(event.toolCallId, seq, (tool) => ({
            ...tool,
            title: tool.title === event.toolCallId && event.title ? event.title : tool.title,
            toolKind: event.kind ?? tool.toolKind,
            status: "awaiting_permission",
          }));
        } else {
          next.pending = next.pending.filter((p) => p.requestId !== event.requestId);
          const denied = event.outcome !== "selected" || event.optionKind?.startsWith("reject");
          upsertTool(event.toolCallId, seq, (tool) => ({
            ...tool,
            status: denied ? "denied" : tool.status === "awaiting_permission" ? "in_progress" : tool.status,
          }));
        }
        break;
      case "terminal_output": {
        const before = next.terminals[event.terminalId];
        const data = ((before?.data ?? "") + event.data).slice(-TERMINAL_KEEP);
        next.terminals[event.terminalId] = {
          data,
          exitCode: event.exitCode !== undefined ? event.exitCode : before?.exitCode,
          signal: event.signal !== undefined ? event.signal : before?.signal,
          truncated: event.truncated ?? before?.truncated,
        };
        break;
      }
      case "usage": {
        const { type: _type, ...usage } = event;
        next.usage = { ...next.usage, ...usage };
        break;
      }
      case "commands":
        next.commands = event.commands.map((c) => ({ name: c.name, description: c.description, ...(c.hint && { hint: c.hint }) }));
        break;
      case "mode":
        next.mode = event.modeId;
        break;
      case "status":
        next.state = event.state;
        // A task that left needs_input has no open question any more (cancel, expiry, restart).
        if (event.state !== "needs_input" && event.state !== "running") next.pending = [];
        items.push({ kind: "status", key: `s-${seq}`, seq, state: event.state, reason: event.reason });
        break;
      case "change_ready":
        items.push({ kind: "change", key: `c-${seq}`, seq, files: event.files, additions: event.additions, deletions: event.deletions });
        break;
      case "error":
        items.push({ kind: "error", key: `e-${seq}`, seq, message: event.message, detail: event.detail });
        break;
    }
  }
  return next;
}

/** Builds a timeline from scratch (used when older history is prepended). */
export function buildTimeline(events: readonly TimelineEvent[]): Timeline {
  return foldEvents(emptyTimeline, events);
}

/** Merges two ascending, possibly overlapping event lists by seq. */
export function mergeEvents(older: readonly TimelineEvent[], newer: readonly TimelineEvent[]): TimelineEvent[] {
  if (older.length === 0) return newer.slice();
  const lastOld = older[older.length - 1]!.seq;
  return [...older, ...newer.filter((e) => e.seq > lastOld)];
}

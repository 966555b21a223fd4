import type { TaskEvent } from "@wharf/api";
import { describe, expect, it } from "vitest";
import { buildTimeline, emptyTimeline, foldEvents, mergeEvents, type TimelineEvent } from "./timeline";

const at = "2026-01-01T00:00:00.000Z";
const seqd = (events: TaskEvent[], from = 1): TimelineEvent[] => events.map((event, i) => ({ seq: from + i, at, event }));
const requestId = "7f0c7c2e-8d0c-4a53-9c1e-1d2f3a4b5c6d";
const options = [
  { optionId: "allow", name: "Allow", kind: "allow_once" as const },
  { optionId: "reject", name: "Reject", kind: "reject_once" as const },
];

describe("foldEvents", () => {
  it("merges consecutive chunks of one role into one bubble and splits on another role", () => {
    const t = buildTimeline(
      seqd([
        { type: "message", role: "user", text: "Do it" },
        { type: "message", role: "agent", text: "Let me " },
        { type: "usage", used: 10, size: 100 },
        { type: "message", role: "agent", text: "look." },
        { type: "message", role: "thought", text: "hmm" },
        { type: "message", role: "agent", text: "Done." },
      ]),
    );
    expect(t.items.map((i) => (i.kind === "message" ? `${i.role}:${i.text}` : i.kind))).toEqual([
      "user:Do it",
      "agent:Let me look.",
      "thought:hmm",
      "agent:Done.",
    ]);
    expect(t.usage).toEqual({ used: 10, size: 100 });
    expect(t.lastSeq).toBe(6);
    expect(t.firstSeq).toBe(1);
  });

  it("upserts tool calls by id: later events replace only the fields they carry", () => {
    const t = buildTimeline(
      seqd([
        { type: "tool_call", toolCallId: "t1", title: "Write a.txt", kind: "edit", status: "pending" },
        { type: "message", role: "agent", text: "working" },
        { type: "tool_call", toolCallId: "t1", content: [{ type: "diff", path: "a.txt", oldText: null, newText: "hi\n" }], locations: [{ path: "a.txt" }] },
        { type: "tool_call", toolCallId: "t1", status: "completed" },
      ]),
    );
    expect(t.items).toHaveLength(2);
    const tool = t.items[0]!;
    expect(tool).toMatchObject({
      kind: "tool",
      title: "Write a.txt",
      toolKind: "edit",
      status: "completed",
      locations: [{ path: "a.txt" }],
      content: [{ type: "diff", path: "a.txt", newText: "hi\n" }],
    });
  });

  it("creates a tool call from an update for an id never announced", () => {
    const t = buildTimeline(seqd([{ type: "tool_call", toolCallId: "ghost", status: "completed" }]));
    expect(t.items[0]).toMatchObject({ kind: "tool", toolCallId: "ghost", title: "ghost", toolKind: "other", status: "completed" });
  });

  it("keeps one plan item and updates it in place", () => {
    const t = buildTimeline(
      seqd([
        { type: "plan", entries: [{ content: "Read", priority: "medium", status: "in_progress" }] },
        { type: "message", role: "agent", text: "x" },
        { type: "plan", entries: [{ content: "Read", priority: "medium", status: "completed" }, { content: "Write", priority: "high", status: "pending" }] },
      ]),
    );
    expect(t.items.map((i) => i.kind)).toEqual(["plan", "message"]);
    expect(t.items[0]).toMatchObject({ entries: [{ status: "completed" }, { content: "Write" }] });
  });

  it("tracks a permission from request to answer, marking the tool awaiting, then running or denied", () => {
    const asked = buildTimeline(
      seqd([
        { type: "tool_call", toolCallId: "e1", title: "Write x", kind: "edit", status: "pending" },
        { type: "permission", phase: "requested", requestId, toolCallId: "e1", title: "Write x", kind: "edit", options },
        { type: "status", state: "needs_input" },
      ]),
    );
    expect(asked.pending).toEqual([{ requestId, toolCallId: "e1", title: "Write x", toolKind: "edit", options }]);
    expect(asked.items[0]).toMatchObject({ status: "awaiting_permission" });
    expect(asked.state).toBe("needs_input");

    const allowed = foldEvents(asked, seqd([{ type: "permission", phase: "resolved", requestId, toolCallId: "e1", outcome: "selected", optionId: "allow", optionKind: "allow_once" }], 4));
    expect(allowed.pending).toEqual([]);
    expect(allowed.items[0]).toMatchObject({ status: "in_progress" });

    const denied = foldEvents(asked, seqd([
      { type: "permission", phase: "resolved", requestId, toolCallId: "e1", outcome: "selected", optionId: "reject", optionKind: "reject_once" },
      { type: "tool_call", toolCallId: "e1", status: "failed" },
    ], 4));
    expect(denied.items[0]).toMatchObject({ status: "denied" });
    // The earlier timeline is not changed.
    expect(asked.items[0]).toMatchObject({ status: "awaiting_permission" });
  });

  it("clears open questions when the task ends", () => {
    const t = buildTimeline(
      seqd([
        { type: "permission", phase: "requested", requestId, toolCallId: "e1", options },
        { type: "status", state: "cancelled", reason: "cancelled by user" },
      ]),
    );
    expect(t.pending).toEqual([]);
    expect(t.items.at(-1)).toMatchObject({ kind: "status", state: "cancelled", reason: "cancelled by user" });
  });

  it("skips events it already has, so live and stored events may overlap", () => {
    const events = seqd([
      { type: "message", role: "agent", text: "a" },
      { type: "message", role: "agent", text: "b" },
    ]);
    const once = buildTimeline(events);
    const twice = foldEvents(once, events);
    expect(twice).toBe(once);
    expect((twice.items[0] as { text: string }).text).toBe("ab");
  });

  it("appends terminal output per terminal, with the exit code", () => {
    const t = buildTimeline(
      seqd([
        { type: "tool_call", toolCallId: "sh", kind: "execute", title: "ls", content: [{ type: "terminal", terminalId: "term-1" }] },
        { type: "terminal_output", terminalId: "term-1", data: "a\n" },
        { type: "terminal_output", terminalId: "term-1", data: "b\n", exitCode: 0 },
      ]),
    );
    expect(t.terminals["term-1"]).toEqual({ data: "a\nb\n", exitCode: 0, signal: undefined, truncated: undefined });
  });

  it("records the change, errors, mode and commands", () => {
    const t = buildTimeline(
      seqd([
        { type: "mode", modeId: "code" },
        { type: "commands", commands: [{ name: "test", description: "run tests" }] },
        { type: "error", message: "agent crashed", detail: "exit 1" },
        { type: "change_ready", changeId: null, files: 2, additions: 3, deletions: 1 },
      ]),
    );
    expect(t.mode).toBe("code");
    expect(t.commands).toEqual([{ name: "test", description: "run tests" }]);
    expect(t.items.map((i) => i.kind)).toEqual(["error", "change"]);
  });

  it("folds 100,000 events quickly", () => {
    const events: TimelineEvent[] = [];
    for (let i = 1; i <= 100_000; i++) {
      const event: TaskEvent = i % 3 === 0
        ? { type: "tool_call", toolCallId: `t${i % 500}`, title: `tool ${i}`, status: "completed" }
        : { type: "message", role: i % 7 === 0 ? "thought" : "agent", text: `chunk ${i} ` };
      events.push({ seq: i, at, event });
    }
    const started = performance.now();
    const t = buildTimeline(events);
    expect(performance.now() - started).toBeLessThan(4000);
    expect(t.lastSeq).toBe(100_000);
  });
});

describe("mergeEvents", () => {
  it("joins an older page before newer events without duplicates", () => {
    const older = seqd([
      { type: "message", role: "agent", text: "1" },
      { type: "message", role: "agent", text: "2" },
    ]);
    const newer = seqd([
      { type: "message", role: "agent", text: "2" },
      { type: "message", role: "agent", text: "3" },
    ], 2);
    expect(mergeEvents(older, newer).map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(mergeEvents([], newer).map((e) => e.seq)).toEqual([2, 3]);
    expect(emptyTimeline.items).toEqual([]);
  });
});

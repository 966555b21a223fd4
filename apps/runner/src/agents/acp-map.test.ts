import { readFileSync } from "node:fs";
import { taskEventSchema } from "@wharf/api/schemas";
import { describe, expect, it } from "vitest";
import { mapSessionUpdate, permissionToolCall, type MapResult } from "./acp-map";

type Fixture = {
  name: string;
  update: unknown;
  expect: { events: unknown[] } | { ignored: string } | { invalid: string };
};

const fixtures = JSON.parse(readFileSync(new URL("./fixtures/acp-updates.json", import.meta.url), "utf8")) as Fixture[];

function summary(result: MapResult): Fixture["expect"] {
  if (result.kind === "events") return { events: result.events };
  if (result.kind === "ignored") return { ignored: result.updateKind };
  return { invalid: result.updateKind };
}

describe("mapSessionUpdate", () => {
  it.each(fixtures.map((f) => [f.name, f] as const))("%s", (_name, fixture) => {
    const result = mapSessionUpdate(fixture.update);
    expect(summary(result)).toEqual(fixture.expect);
    if (result.kind === "events") {
      for (const event of result.events) expect(taskEventSchema.safeParse(event).success).toBe(true);
    }
    if (result.kind === "invalid") expect(result.reason.length).toBeGreaterThan(0);
  });

  it("clips text to what a task event may hold", () => {
    const result = mapSessionUpdate({
      sessionUpdate: "tool_call",
      toolCallId: "t".repeat(20_000),
      title: "x".repeat(20_000),
      content: [{ type: "content", content: { type: "text", text: "y".repeat(2_000_000) } }],
      locations: Array.from({ length: 5000 }, (_, i) => ({ path: `/w/${i}` })),
    });
    expect(result.kind).toBe("events");
    if (result.kind !== "events") return;
    for (const event of result.events) expect(taskEventSchema.safeParse(event).success).toBe(true);
  });

  it("never throws, whatever it is given", () => {
    const hostile: unknown[] = [
      undefined,
      0,
      [],
      { sessionUpdate: 5 },
      { sessionUpdate: "tool_call_update", toolCallId: "x", content: [null, 1, "a", { type: "diff" }] },
      { sessionUpdate: "usage_update", used: -1, size: "big" },
      { sessionUpdate: "available_commands_update", availableCommands: [{ name: 1 }] },
      { sessionUpdate: "agent_message_chunk", content: { type: "text", text: 42 } },
      Object.create(null),
    ];
    for (const update of hostile) expect(() => mapSessionUpdate(update)).not.toThrow();
  });
});

describe("permissionToolCall", () => {
  it("marks the tool call as awaiting permission, announced or not", () => {
    expect(permissionToolCall({ toolCallId: "call_2", title: "Modify config", kind: "edit", status: "pending" })).toEqual({
      type: "tool_call",
      toolCallId: "call_2",
      title: "Modify config",
      kind: "edit",
      status: "awaiting_permission",
    });
    expect(permissionToolCall({ title: "no id" })).toBeUndefined();
  });
});

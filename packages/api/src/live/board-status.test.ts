import { expect, it } from "vitest";
import { statusLine, type RecentEvent } from "./board-status";

const event = (fields: Partial<RecentEvent> & { type: string }): RecentEvent => ({
  role: null,
  text: null,
  title: null,
  toolCallId: null,
  phase: null,
  reason: null,
  state: null,
  message: null,
  ...fields,
});

it("joins the agent's latest chunks and keeps the last line", () => {
  const recent = [
    event({ type: "usage" }),
    event({ type: "message", role: "agent", text: "ing the tests now." }),
    event({ type: "message", role: "agent", text: "Done reading.\nRunn" }),
    event({ type: "tool_call", toolCallId: "a", title: "Read a.ts" }),
  ];
  expect(statusLine(recent)).toBe("Running the tests now.");
});

it("names the tool from an earlier event of the same call when the update has no title", () => {
  const recent = [
    event({ type: "tool_call", toolCallId: "b" }),
    event({ type: "terminal_output" }),
    event({ type: "tool_call", toolCallId: "b", title: "npm test" }),
  ];
  expect(statusLine(recent)).toBe("npm test");
});

it("says what the task waits for, skips resolved permissions and clips long lines", () => {
  expect(statusLine([event({ type: "permission", phase: "requested", title: "Write x" })])).toBe("Waiting for permission: Write x");
  expect(statusLine([event({ type: "permission", phase: "resolved" }), event({ type: "status", state: "running" })])).toBe("running");
  const long = statusLine([event({ type: "message", role: "thought", text: "x".repeat(500) })]);
  expect(long).toHaveLength(120);
  expect(long?.startsWith("Thinking: x")).toBe(true);
  expect(statusLine([])).toBeUndefined();
});

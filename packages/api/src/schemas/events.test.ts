import { describe, expect, it } from "vitest";
import { safeParseTaskEvent, taskEventSchema } from "./events";

describe("safeParseTaskEvent", () => {
  const payloads: unknown[] = [
    { type: "message", role: "agent", text: "hello" },
    { type: "message", role: "thought", text: "" },
    { type: "message", role: "user", text: "hi", extra: "dropped" },
    { type: "message", role: "system", text: "not a role" },
    { type: "message", role: "agent", text: 42 },
    { type: "message", role: "agent" },
    { type: "message", role: "agent", text: "x".repeat(1_000_001) },
    { type: "status", state: "running" },
    { type: "nonsense" },
    null,
    "message",
    [],
  ];

  it("answers as the schema does, the hand-checked message included", () => {
    for (const payload of payloads) {
      const fast = safeParseTaskEvent(payload);
      const schema = taskEventSchema.safeParse(payload);
      expect(fast.success, JSON.stringify(payload)?.slice(0, 80)).toBe(schema.success);
      if (fast.success && schema.success) expect(fast.data).toEqual(schema.data);
    }
  });
});

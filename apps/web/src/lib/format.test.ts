import { describe, expect, it } from "vitest";
import { age, columnOf, elapsed, errorMessage, formatCount, formatDateTime, taskTitle } from "./format";

describe("format", () => {
  it("puts every state in one column", () => {
    expect(columnOf("needs_input")).toBe("needs_input");
    expect(columnOf("applied")).toBe("done");
    expect(columnOf("completed")).toBe("done");
    expect(columnOf("cancelled")).toBe("failed");
  });
  it("says how old something is", () => {
    const now = Date.parse("2026-01-02T00:00:00Z");
    expect(age("2026-01-01T23:59:30Z", now)).toBe("30s");
    expect(age("2026-01-01T23:00:00Z", now)).toBe("1h");
    expect(age("2025-12-29T00:00:00Z", now)).toBe("4d");
  });
  it("titles a task by its first line, skipping scenario blocks", () => {
    expect(taskTitle("Fix the bug\nmore")).toBe("Fix the bug");
    expect(taskTitle("```scenario\n{}\n```")).toBe("{}");
  });
  it("writes counts with thousands separators, as toLocaleString(\"en\") does", () => {
    for (const n of [0, 7, 999, 1000, 9900, 12_345, 1_000_000, 123_456_789, -4200]) expect(formatCount(n)).toBe(n.toLocaleString("en"));
  });
  it("writes a timestamp in local time, and nothing for a date that is not one", () => {
    const local = new Date(2026, 11, 5, 9, 4, 7);
    expect(formatDateTime(local)).toBe("2026-12-05 09:04:07");
    expect(formatDateTime(local.toISOString())).toBe("2026-12-05 09:04:07");
    expect(formatDateTime("not a date")).toBe("");
    expect(formatDateTime("2026-12-05T09:04:07.500Z", "utc")).toBe("2026-12-05 09:04:07 UTC");
  });
  it("turns zod issue lists into sentences", () => {
    expect(errorMessage(new Error(JSON.stringify([{ message: "Write a prompt: it is empty.", path: ["prompt"] }])))).toBe("Write a prompt: it is empty.");
    expect(errorMessage(new Error("Task x does not exist."))).toBe("Task x does not exist.");
    expect(errorMessage(Object.assign(new Error("no"), { data: { code: "UNAUTHORIZED" } }))).toMatch(/access token/);
    expect(errorMessage(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { data: { code: "INTERNAL_SERVER_ERROR" } }))).toMatch(/cannot reach its database/);
  });
});

describe("relativePath", () => {
  it("shows worktree paths relative to the worktree", async () => {
    const { relativePath } = await import("./format");
    expect(relativePath("/w/t1/src/a.ts", "/w/t1")).toBe("src/a.ts");
    expect(relativePath("/w/t1/src/a.ts", "/w/t1/")).toBe("src/a.ts");
    expect(relativePath("/elsewhere/a.ts", "/w/t1")).toBe("/elsewhere/a.ts");
    expect(relativePath("/w/t10/a.ts", "/w/t1")).toBe("/w/t10/a.ts");
  });
});

describe("elapsed", () => {
  const start = new Date("2026-01-01T10:00:00Z");
  it("says how long a run took, or has taken so far", () => {
    expect(elapsed(null, null)).toBe("–");
    expect(elapsed(start, new Date("2026-01-01T10:00:42Z"))).toBe("42s");
    expect(elapsed(start, new Date("2026-01-01T10:03:05Z"))).toBe("3m 05s");
    expect(elapsed(start, null, new Date("2026-01-01T12:10:00Z").getTime())).toBe("2h 10m");
  });
});

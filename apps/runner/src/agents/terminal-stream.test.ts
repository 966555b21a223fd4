import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import type { TaskEventOf } from "@wharf/api/schemas";
import { TerminalStream } from "./terminal-stream";

function collect(opts: { coalesceMs?: number; capBytes?: number } = {}) {
  const events: TaskEventOf<"terminal_output">[] = [];
  const stream = new TerminalStream({ terminalId: "t", emit: (e) => events.push(e), ...opts });
  return { events, stream };
}

describe("TerminalStream", () => {
  it("coalesces chunks that arrive within the window into one event, keeping escape bytes", async () => {
    const { events, stream } = collect({ coalesceMs: 20 });
    stream.write("\x1b[32mok");
    stream.write("\x1b[0m\r\n");
    expect(events).toEqual([]);
    await sleep(40);
    expect(events).toEqual([{ type: "terminal_output", terminalId: "t", data: "\x1b[32mok\x1b[0m\r\n" }]);
  });

  it("caps the stored bytes, marks the cut once, and still keeps the tail for messages", () => {
    const { events, stream } = collect({ capBytes: 10 });
    stream.write("12345678");
    stream.flush();
    stream.write("é€abc"); // 2 + 3 bytes: only "é" fits in the last 2 bytes
    stream.flush();
    stream.write("more");
    stream.end({ exitCode: 1, signal: null });
    expect(events.map((e) => e.data)).toEqual(["12345678", "é", "", ""]);
    expect(events[2]).toMatchObject({ truncated: true });
    expect(events[3]).toMatchObject({ exitCode: 1, signal: null });
    expect(events.filter((e) => e.truncated)).toHaveLength(1);
    expect(stream.storedBytes).toBe(10);
    expect(stream.tail).toBe("12345678é€abcmore");
  });

  it("splits a flood into bounded events", () => {
    const { events, stream } = collect();
    stream.write("x".repeat(200_000));
    stream.flush();
    expect(events.length).toBeGreaterThan(3);
    expect(Math.max(...events.map((e) => e.data.length))).toBeLessThanOrEqual(64 * 1024);
    expect(events.map((e) => e.data).join("")).toHaveLength(200_000);
  });
});

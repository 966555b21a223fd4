import { describe, expect, it } from "vitest";
import { TerminalInputQueue } from "./terminal-input";

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe("TerminalInputQueue", () => {
  it("sends one call at a time, in order, batching what was typed meanwhile", async () => {
    const calls: string[] = [];
    const gates: Array<ReturnType<typeof deferred>> = [];
    const queue = new TerminalInputQueue(
      (data) => {
        calls.push(data);
        const gate = deferred();
        gates.push(gate);
        return gate.promise;
      },
      () => {},
    );
    queue.push("a");
    queue.push("b");
    queue.push("c");
    expect(calls).toEqual(["a"]);
    gates[0]!.resolve();
    await new Promise((r) => setTimeout(r, 0));
    expect(calls).toEqual(["a", "bc"]);
    gates[1]!.resolve();
  });

  it("splits long input without breaking a surrogate pair, and drops the rest after an error", async () => {
    const calls: string[] = [];
    const errors: unknown[] = [];
    let fail = false;
    const queue = new TerminalInputQueue(
      async (data) => {
        calls.push(data);
        if (fail) throw new Error("gone");
      },
      (e) => errors.push(e),
      4,
    );
    queue.push("abc😀def");
    await new Promise((r) => setTimeout(r, 0));
    expect(calls).toEqual(["abc", "😀de", "f"]);
    fail = true;
    queue.push("123456789");
    await new Promise((r) => setTimeout(r, 0));
    expect(calls.slice(3)).toEqual(["1234"]);
    expect(errors).toHaveLength(1);
  });
});

import { describe, expect, it } from "vitest";
import { untilWoken } from "./until-woken";

/** A source of wakes the test fires by hand. */
function wakes() {
  const watchers = new Set<() => void>();
  return {
    watch: (wake: () => void) => {
      watchers.add(wake);
      return () => watchers.delete(wake);
    },
    fire: () => [...watchers].forEach((wake) => wake()),
    count: () => watchers.size,
  };
}

describe("untilWoken", () => {
  it("checks now and at each wake until the check answers, then stops watching", async () => {
    const source = wakes();
    let value = 0;
    let checks = 0;
    const waiting = untilWoken(source.watch, async () => (checks++, value >= 2 ? value : undefined), { timeoutMs: 10_000, onTimeout: () => new Error("timeout") });
    value = 1;
    source.fire();
    value = 2;
    source.fire();
    await expect(waiting).resolves.toBe(2);
    expect(source.count()).toBe(0);
    expect(checks).toBeLessThanOrEqual(3);
  });

  it("runs one check at a time; a wake during a check runs it once more afterwards", async () => {
    const source = wakes();
    let running = 0;
    let most = 0;
    let release!: () => void;
    let ready = false;
    const check = async () => {
      running++;
      most = Math.max(most, running);
      if (!ready) await new Promise<void>((resolve) => (release = resolve));
      running--;
      return ready ? "done" : undefined;
    };
    const waiting = untilWoken(source.watch, check, { timeoutMs: 10_000, onTimeout: () => new Error("timeout") });
    source.fire();
    source.fire();
    ready = true;
    release();
    await expect(waiting).resolves.toBe("done");
    expect(most).toBe(1);
  });

  it("answers onTimeout's value or error at the timeout or when the signal aborts", async () => {
    const source = wakes();
    await expect(untilWoken(source.watch, async () => undefined, { timeoutMs: 10, onTimeout: () => "late" })).resolves.toBe("late");
    await expect(untilWoken(source.watch, async () => undefined, { timeoutMs: 10, onTimeout: () => new Error("gave up") })).rejects.toThrow("gave up");
    const stop = new AbortController();
    const waiting = untilWoken(source.watch, async () => undefined, { timeoutMs: 60_000, onTimeout: () => "aborted", signal: stop.signal });
    stop.abort();
    await expect(waiting).resolves.toBe("aborted");
    expect(source.count()).toBe(0);
  });

  it("rejects with the check's error", async () => {
    await expect(untilWoken(wakes().watch, () => Promise.reject(new Error("boom")), { timeoutMs: 10_000, onTimeout: () => 0 })).rejects.toThrow("boom");
  });
});

import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { createKeyedMutex } from "./keyed-mutex";

describe("createKeyedMutex", () => {
  it("runs calls with the same key one at a time, in order", async () => {
    const mutex = createKeyedMutex();
    const log: string[] = [];
    let running = 0;
    let maxRunning = 0;
    const job = (name: string, ms: number) =>
      mutex.run("repo", async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        log.push(`start ${name}`);
        await sleep(ms);
        log.push(`end ${name}`);
        running--;
        return name;
      });
    const results = await Promise.all([job("a", 20), job("b", 5), job("c", 1)]);
    expect(results).toEqual(["a", "b", "c"]);
    expect(maxRunning).toBe(1);
    expect(log).toEqual(["start a", "end a", "start b", "end b", "start c", "end c"]);
  });

  it("lets different keys run at the same time", async () => {
    const mutex = createKeyedMutex();
    let running = 0;
    let maxRunning = 0;
    const job = (key: string) =>
      mutex.run(key, async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await sleep(10);
        running--;
      });
    await Promise.all([job("a"), job("b"), job("c")]);
    expect(maxRunning).toBe(3);
  });

  it("passes on a failure to its caller only and keeps the queue going", async () => {
    const mutex = createKeyedMutex();
    const failing = mutex.run("k", async () => {
      throw new Error("boom");
    });
    const next = mutex.run("k", async () => "after");
    await expect(failing).rejects.toThrow("boom");
    await expect(next).resolves.toBe("after");
  });

  it("forgets a key once it is idle", async () => {
    const mutex = createKeyedMutex();
    const pending = mutex.run("k", () => sleep(5));
    expect(mutex.isLocked("k")).toBe(true);
    await pending;
    await sleep(0);
    expect(mutex.isLocked("k")).toBe(false);
  });
});

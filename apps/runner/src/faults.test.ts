import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hangingAgent, scenario } from "./testing/hanging-agent";
import { alive } from "./testing/processes";
import { makeRepo } from "./testing/git-fixture";
import { spawnRunner } from "./testing/runner-process";
import { startStack, type Stack } from "./testing/stack";


let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ inProcessRunner: false });
}, 60_000);
afterAll(async () => {
  await stack?.stop();
}, 30_000);


describe("a runner killed with -9", () => {
  it("leaves no agent process after the next runner start, keeps every stored event, and the task is retried", async () => {
    // The hanging agent reports host pids through files outside its worktree: unsandboxed.
    const first = spawnRunner({ ...stack.runnerEnv, WHARF_SANDBOX: "off" });
    await first.ready;
    const project = await stack.api.project.create({ path: makeRepo() });
    const hanging = hangingAgent();
    const task = await stack.api.task.create({ projectId: project.id, agentId: "scripted", prompt: hanging.prompt });
    await stack.waitForEvent(task.id, (e) => e.type === "message" && e.role === "agent", "the agent's first words");
    const before = await stack.events(task.id);
    const { agent: agentPid, child: childPid } = hanging.pids();
    expect(alive(childPid)).toBe(true);

    first.child.kill("SIGKILL");
    await first.exited;

    const second = spawnRunner({ ...stack.runnerEnv });
    try {
      await second.ready;
      // The new runner reaps what the dead one left, before it takes any work.
      expect(alive(childPid)).toBe(false);
      expect(alive(agentPid)).toBe(false);

      // pg-boss notices the missed heartbeats and the job comes back: attempt 2 starts.
      await stack.waitForEvent(task.id, (e) => e.type === "status" && e.state === "running" && /retrying/.test(e.reason ?? ""), "the retry", 45_000);
      const after = await stack.events(task.id);
      expect(after.slice(0, before.length)).toEqual(before);
      expect(after.map((e) => e.seq)).toEqual(after.map((_, i) => i + 1));

      // The retry's worktree (in the OS sandbox, made in the slot its agent waited in).
      // Its agent speaks once the retry's worktree is made (the first attempt's is replaced).
      const firstWords = (events: Awaited<ReturnType<typeof stack.events>>) => events.filter((e) => e.event.type === "message" && e.event.role === "agent").length;
      await stack.waitUntil(async () => (firstWords(await stack.events(task.id)) > firstWords(before) ? true : undefined), "the retry's first words");
      const retried = await stack.api.task.get({ id: task.id });
      expect(existsSync(retried.worktreePath!)).toBe(true);
      await stack.api.task.cancel({ id: task.id });
      const done = await stack.waitForState(task.id, ["cancelled"], 15_000);
      expect(done.state).toBe("cancelled");
      // Only the live task's worktree may exist, and it is gone once the task ended.
      const worktrees = readdirSync(path.join(stack.home, "worktrees"));
      expect(worktrees).not.toContain(task.id);
      expect(existsSync(retried.worktreePath!)).toBe(false);
    } finally {
      second.child.kill("SIGTERM");
      await second.exited;
    }
  }, 90_000);
});

describe("a runner stopped with SIGTERM", () => {
  it("cancels its running tasks cleanly within the grace period and leaves no process", async () => {
    // The hanging agent reports host pids through files outside its worktree: unsandboxed.
    const runner = spawnRunner({ ...stack.runnerEnv, WHARF_SANDBOX: "off" });
    await runner.ready;
    const project = await stack.api.project.create({ path: makeRepo() });
    const hanging = hangingAgent();
    const task = await stack.api.task.create({ projectId: project.id, agentId: "scripted", prompt: hanging.prompt });
    await stack.waitForEvent(task.id, (e) => e.type === "message" && e.role === "agent", "the agent's first words");
    const { agent: agentPid, child: childPid } = hanging.pids();

    const started = Date.now();
    runner.child.kill("SIGTERM");
    const code = await runner.exited;
    // Grace 1 s: session/cancel, then SIGTERM, then SIGKILL after another second, plus shutdown.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(code).toBe(0);
    const done = await stack.api.task.get({ id: task.id });
    expect(done.state).toBe("cancelled");
    expect(alive(agentPid)).toBe(false);
    expect(alive(childPid)).toBe(false);
  }, 60_000);
});

describe("an agent that floods its output", () => {
  it("keeps the runner's memory bounded and stores every update", async () => {
    const runner = spawnRunner({ ...stack.runnerEnv });
    await runner.ready;
    try {
      const project = await stack.api.project.create({ path: makeRepo() });
      const count = 40_000;
      const task = await stack.api.task.create({
        projectId: project.id,
        agentId: "scripted",
        prompt: scenario({ steps: [{ type: "flood", count }, { type: "terminal", command: "sh", args: ["-c", "head -c 8000000 /dev/zero | tr '\\0' x"] }, { type: "text", text: "flood over" }] }),
      });
      let peakKb = 0;
      const sample = () => {
        const status = readFileSync(`/proc/${runner.child.pid}/status`, "utf8");
        peakKb = Math.max(peakKb, Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0));
      };
      // Memory is sampled on a timer: it is a measurement of the process, not a wait for work.
      const sampler = setInterval(sample, 50);
      let done;
      try {
        done = await stack.waitForState(task.id, ["review", "completed", "failed"], 60_000);
      } finally {
        clearInterval(sampler);
      }
      expect(done.state).toBe("completed");
      const events = await stack.events(task.id);
      const text = events.flatMap((e) => (e.event.type === "message" && e.event.role === "agent" ? [e.event.text] : [])).join("");
      const seen = new Set([...text.matchAll(/flood (\d+)\//g)].map((m) => Number(m[1])));
      expect(seen.size).toBe(count);
      expect(text).toContain("flood over");
      // Chunks are merged: far fewer stored events than updates.
      expect(events.length).toBeLessThan(count / 4);
      // Terminal output is bounded too: at most a few MiB streamed.
      const terminalBytes = events.reduce((n, e) => n + (e.event.type === "terminal_output" ? e.event.data.length : 0), 0);
      expect(terminalBytes).toBeLessThanOrEqual(4 * 1024 * 1024 + 64 * 1024);
      console.info(`flood: ${count} updates, ${events.length} stored events, runner peak RSS ${(peakKb / 1024).toFixed(0)} MB`);
      expect(peakKb / 1024).toBeLessThan(400);
    } finally {
      runner.child.kill("SIGTERM");
      await runner.exited;
    }
  }, 90_000);
});

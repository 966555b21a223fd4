import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scenario } from "./testing/hanging-agent";
import { binWith as binIn, runPeriods } from "./testing/fleet-fixture";
import { makeRepo } from "./testing/git-fixture";
import { spawnRunner } from "./testing/runner-process";
import { startStack, type Stack } from "./testing/stack";

/*
 * A fleet on one machine: real runner processes against one database, each with its own
 * WHARF_HOME and its own PATH, on which only some agents' commands exist (as on hosts with
 * different agents installed). Each agent is the scripted test agent under another command name.
 */

const scratch = mkdtempSync(path.join(os.tmpdir(), "wharf-fleet-"));
const binWith = (...names: string[]) => binIn(scratch, ...names);

let stack: Stack;
const runners: Array<ReturnType<typeof spawnRunner>> = [];

function startRunner(id: string, bin: string): ReturnType<typeof spawnRunner> {
  const home = path.join(scratch, `home-${id}`);
  mkdirSync(home, { recursive: true });
  const runner = spawnRunner({
    ...stack.runnerEnv,
    WHARF_HOME: home,
    WHARF_RUNNER_ID: id,
    PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}`,
    // The agents are shell scripts in a temp folder: no sandbox to bind them into.
    WHARF_SANDBOX: "off",
    WHARF_AGENT_PROBE_MS: "0",
    WHARF_RUNNER_HEARTBEAT_MS: "1000",
    WHARF_RUNNER_CONCURRENCY: "4",
  });
  runners.push(runner);
  return runner;
}

async function addAgent(id: string, maxRunning?: number) {
  await stack.api.agent.upsert({ id, name: `Agent ${id}`, transport: "acp", command: `${id}-agent`, ...(maxRunning ? { maxRunning } : {}) });
}

async function runnerOf(taskId: string): Promise<string | null> {
  return (await stack.api.task.get({ id: taskId })).runnerId;
}

beforeAll(async () => {
  stack = await startStack({ inProcessRunner: false });
  await addAgent("alpha");
  await addAgent("beta");
  await addAgent("gamma");
  await addAgent("capped", 1);
  await addAgent("shared");
  // Runner A has alpha and capped, runner B beta and capped, both shared; nobody has gamma.
  const a = startRunner("runner-a", binWith("alpha", "capped", "shared"));
  const b = startRunner("runner-b", binWith("beta", "capped", "shared"));
  await Promise.all([a.ready, b.ready]);
}, 90_000);

afterAll(async () => {
  for (const runner of runners) {
    if (runner.child.exitCode === null) runner.child.kill("SIGTERM");
    await runner.exited;
  }
  await stack?.stop();
  rmSync(scratch, { recursive: true, force: true });
}, 60_000);

const quick = scenario({ steps: [{ type: "text", text: "done" }] });

/** Never two at once: sorted by start, each run starts after the one before ended. */
function expectOneAtATime(runs: Array<{ start: number; end: number | null }>) {
  runs.sort((x, y) => x.start - y.start);
  for (let i = 1; i < runs.length; i++) expect(runs[i]!.start, `run ${i} started before run ${i - 1} ended`).toBeGreaterThanOrEqual(runs[i - 1]!.end!);
  const gaps = runs.slice(1).map((r, i) => r.start - runs[i]!.end!).sort((x, y) => x - y);
  console.info(`[fleet] one at a time: gaps between runs ${gaps.join(", ")} ms`);
  return gaps;
}

/** The queue of the task's current job. */
async function jobQueueOf(taskId: string): Promise<string | undefined> {
  const { rows } = await stack.services.pool.query<{ name: string }>(`select j.name from task t join pgboss.job j on j.id = t.job_id::uuid where t.id = $1`, [taskId]);
  return rows[0]?.name;
}

/** A finished task of `projectId` first run by `runnerId` (created until one lands there). */
async function moveToRunner(projectId: string, runnerId: string) {
  for (;;) {
    const task = await stack.api.task.create({ projectId, agentId: "shared", prompt: quick });
    await stack.waitForState(task.id, ["completed", "review"], 30_000);
    if ((await runnerOf(task.id)) === runnerId) return task;
  }
}

describe("a fleet of runners on one database", () => {
  it("registers each runner with its host's agents, live", async () => {
    const list = await stack.api.runner.list();
    const byId = new Map(list.map((r) => [r.id, r]));
    expect(byId.get("runner-a")).toMatchObject({ live: true, agents: expect.arrayContaining(["alpha", "capped"]) as unknown, concurrency: 4 });
    expect(byId.get("runner-a")!.agents).not.toContain("beta");
    expect(byId.get("runner-b")).toMatchObject({ live: true, agents: expect.arrayContaining(["beta", "capped"]) as unknown });
    expect(byId.get("runner-b")!.agents).not.toContain("alpha");
  });

  it("sends a task only to a runner that has its agent", { timeout: 60_000 }, async () => {
    const project = await stack.api.project.create({ path: makeRepo() });
    const tasks = await Promise.all(
      ["alpha", "beta", "alpha", "beta", "alpha", "beta"].map(async (agentId) => ({
        agentId,
        task: await stack.api.task.create({ projectId: project.id, agentId, prompt: quick }),
      })),
    );
    for (const { task } of tasks) await stack.waitForState(task.id, ["completed", "review"], 30_000);
    for (const { agentId, task } of tasks) expect(await runnerOf(task.id)).toBe(agentId === "alpha" ? "runner-a" : "runner-b");
  });

  it("keeps a task whose agent no runner has queued, says why, and starts it when a runner with it joins", { timeout: 60_000 }, async () => {
    const project = await stack.api.project.create({ path: makeRepo() });
    const task = await stack.api.task.create({ projectId: project.id, agentId: "gamma", prompt: quick });
    const queued = await stack.waitForEvent(task.id, (e) => e.type === "status" && e.state === "queued", "the queued status");
    expect(queued.event).toMatchObject({ reason: "no runner has Agent gamma installed" });
    // No runner works gamma's queue: its job waits there, unclaimed.
    const jobId = (await stack.services.pool.query<{ job_id: string }>(`select job_id from task where id = $1`, [task.id])).rows[0]!.job_id;
    const job = await stack.services.pool.query<{ name: string; state: string }>(`select name, state::text from pgboss.job where id = $1`, [jobId]);
    expect(job.rows[0]).toEqual({ name: "wharf-task.gamma", state: "created" });
    expect((await stack.api.task.get({ id: task.id })).state).toBe("queued");
    expect(await runnerOf(task.id)).toBeNull();

    const c = startRunner("runner-c", binWith("gamma"));
    await c.ready;
    const done = await stack.waitForState(task.id, ["completed", "review"], 30_000);
    expect(done.runnerId).toBe("runner-c");
  });

  it("holds a fleet-wide cap of 1 over two runners under 10 simultaneous tasks", { timeout: 120_000 }, async () => {
    const project = await stack.api.project.create({ path: makeRepo() });
    const slow = scenario({ steps: [{ type: "text", text: "working" }, { type: "sleep", ms: 300 }, { type: "text", text: "done" }] });
    const tasks = await Promise.all(Array.from({ length: 10 }, () => stack.api.task.create({ projectId: project.id, agentId: "capped", prompt: slow })));
    for (const task of tasks) await stack.waitForState(task.id, ["completed", "review"], 60_000);

    // Each task's run: from its claim to its end, by the database's clock.
    const runs = (await Promise.all(tasks.map((task) => runPeriods(stack.services.pool, task.id)))).flat();
    expect(runs).toHaveLength(10);
    const gaps = expectOneAtATime(runs);
    // The next capped task starts as soon as a place frees (a NOTIFY, not the 5 s fetch).
    expect(gaps[Math.floor(gaps.length / 2)]!).toBeLessThan(1000);
    // Both runners have the agent and took part; the cap, not one runner, kept them apart.
    expect(new Set(runs.map((r) => r.runner))).toEqual(new Set(["runner-a", "runner-b"]));
  });

  it("holds a project's cap of 1 over two runners and two agents, and with an agent's cap", { timeout: 120_000 }, async () => {
    const project = await stack.api.project.create({ path: makeRepo() });
    await stack.api.project.update({ id: project.id, maxRunning: 1 });
    expect((await stack.api.project.get({ id: project.id })).maxRunning).toBe(1);
    const slow = scenario({ steps: [{ type: "text", text: "working" }, { type: "sleep", ms: 300 }, { type: "text", text: "done" }] });
    // alpha only on runner A, beta only on B, capped (1 fleet-wide) on both.
    const agents = ["alpha", "beta", "capped", "alpha", "beta", "capped", "alpha", "beta"];
    const tasks = await Promise.all(agents.map((agentId) => stack.api.task.create({ projectId: project.id, agentId, prompt: slow })));
    for (const task of tasks) await stack.waitForState(task.id, ["completed", "review"], 90_000);
    const runs = (await Promise.all(tasks.map((task) => runPeriods(stack.services.pool, task.id)))).flat();
    expect(runs).toHaveLength(agents.length);
    expectOneAtATime(runs);
    expect(new Set(runs.map((r) => r.runner))).toEqual(new Set(["runner-a", "runner-b"]));
  });

  it("sends a follow-up to the runner where its session is parked, or, that runner gone, to another", { timeout: 240_000 }, async () => {
    const project = await stack.api.project.create({ path: makeRepo() });
    const tasks = await Promise.all(Array.from({ length: 4 }, () => stack.api.task.create({ projectId: project.id, agentId: "shared", prompt: quick })));
    for (const task of tasks) await stack.waitForState(task.id, ["completed", "review"], 30_000);
    const first = new Map(await Promise.all(tasks.map(async (t) => [t.id, await runnerOf(t.id)] as const)));
    // Parked: each follow-up goes to its runner's own queue and runs there.
    for (const task of tasks) await stack.api.task.prompt({ id: task.id, prompt: quick });
    for (const task of tasks) {
      const queued = await jobQueueOf(task.id);
      expect(queued).toBe(`wharf-runner.${first.get(task.id)}`);
    }
    for (const task of tasks) await stack.waitUntil(async () => ((await runPeriods(stack.services.pool, task.id)).filter((p) => p.end !== null).length === 2 ? true : undefined), `task ${task.id}'s second turn`, 30_000);
    for (const task of tasks) expect((await runPeriods(stack.services.pool, task.id)).map((p) => p.runner)).toEqual([first.get(task.id), first.get(task.id)]);

    // Runner A freezes (a host that hangs, then dies): a follow-up sent while it still looked live
    // waits in its queue until A misses its heartbeats, then goes to the agent's queue and runs on B.
    const ranOnA = tasks.filter((t) => first.get(t.id) === "runner-a");
    while (ranOnA.length < 2) ranOnA.push(await moveToRunner(project.id, "runner-a"));
    const [onA, alsoOnA] = ranOnA as [(typeof tasks)[number], (typeof tasks)[number]];
    const a = runners[0]!;
    a.child.kill("SIGSTOP");
    try {
      await stack.api.task.prompt({ id: onA.id, prompt: quick });
      expect(await jobQueueOf(onA.id)).toBe("wharf-runner.runner-a");
      const moved = await stack.waitForEvent(onA.id, (e) => e.type === "status" && e.state === "queued" && /is gone/.test(e.reason ?? ""), "the follow-up moved away from runner A", 30_000);
      expect(moved.event).toMatchObject({ reason: expect.stringContaining("runner-a") as unknown });
      await stack.waitUntil(async () => ((await runPeriods(stack.services.pool, onA.id)).filter((p) => p.end !== null).length === 3 ? true : undefined), "the follow-up's turn on runner B", 90_000);
      expect((await runPeriods(stack.services.pool, onA.id)).at(-1)!.runner).toBe("runner-b");
    } finally {
      a.child.kill("SIGKILL");
      await a.exited;
    }
    // A gone: a follow-up of another task it ran goes straight to the agent's queue.
    const turns = (await runPeriods(stack.services.pool, alsoOnA.id)).length;
    await stack.api.task.prompt({ id: alsoOnA.id, prompt: quick });
    expect(await jobQueueOf(alsoOnA.id)).toBe("wharf-task.shared");
    await stack.waitUntil(async () => ((await runPeriods(stack.services.pool, alsoOnA.id)).filter((p) => p.end !== null).length === turns + 1 ? true : undefined), "the last follow-up", 30_000);
    expect((await runPeriods(stack.services.pool, alsoOnA.id)).at(-1)!.runner).toBe("runner-b");
  });
});

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
  // Runner A has alpha and capped, runner B beta and capped; nobody has gamma.
  const a = startRunner("runner-a", binWith("alpha", "capped"));
  const b = startRunner("runner-b", binWith("beta", "capped"));
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
    runs.sort((x, y) => x.start - y.start);
    for (let i = 1; i < runs.length; i++) expect(runs[i]!.start, `run ${i} started before run ${i - 1} ended`).toBeGreaterThanOrEqual(runs[i - 1]!.end!);
    // Both runners have the agent and took part; the cap, not one runner, kept them apart.
    expect(new Set(runs.map((r) => r.runner))).toEqual(new Set(["runner-a", "runner-b"]));
  });
});

import pg from "pg";
import type { PgBoss } from "pg-boss";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@wharf/db/testing";
import { inTransaction } from "../queue";
import { taskQueueFor } from "../schemas";
import { createBoss } from "../task-queue";
import { blockedReason } from "./dependencies";
import { cancelTask, claimTask, createTask, endTurn, LifecycleNotFoundError, startTask, TaskLinkError, TransitionRefusedError } from "./index";

let db: TestDatabase;
let pool: pg.Pool;
let boss: PgBoss;
let projectId: string;
let otherProjectId: string;
const agentId = "deps-agent";

beforeAll(async () => {
  db = await createTestDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 4 });
  boss = await createBoss(db.url, "api");
  const project = (name: string) =>
    pool.query<{ id: string }>(`insert into project (id, name, repo_path, base_branch, updated_at) values (gen_random_uuid(), $1, '/tmp/deps-not-used-' || $1, 'main', now()) returning id`, [name]);
  projectId = (await project("p")).rows[0]!.id;
  otherProjectId = (await project("q")).rows[0]!.id;
  await pool.query(`insert into agent (id, name, transport, command, updated_at) values ($1, 'Deps', 'acp', 'true', now())`, [agentId]);
});
afterAll(async () => {
  await boss?.stop({ graceful: false });
  await pool?.end();
  await db?.drop();
});

const change = { branch: "b", baseCommit: "base", headCommit: "head", files: [{ path: "a.txt", status: "modified" as const, additions: 1, deletions: 0, binary: false }], additions: 1, deletions: 0, diff: "+a" };

const create = (input: { prompt: string; parentId?: string; dependsOn?: string[]; project?: string }) =>
  inTransaction(pool, (c) => createTask(c, boss, { projectId: input.project ?? projectId, agentId, prompt: input.prompt, parentId: input.parentId, dependsOn: input.dependsOn }));

/** Claims the task as a runner does, after checking that its job waits in the queue. */
async function run(taskId: string): Promise<void> {
  const { rows } = await pool.query<{ job_id: string | null; turn: number }>(`select job_id, turn from task where id = $1`, [taskId]);
  const jobId = rows[0]?.job_id;
  expect(jobId, `task ${taskId} has a job`).toBeTruthy();
  const job = await boss.getJobById<{ taskId: string; turn: number }>(taskQueueFor(agentId), jobId!);
  expect(job).toMatchObject({ state: "created", data: { taskId, turn: rows[0]!.turn } });
  await inTransaction(pool, (c) => claimTask(c, { taskId, runnerId: "deps-runner", turn: job!.data.turn, retry: false }));
}

async function jobsFor(taskId: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(`select count(*)::int as n from pgboss.job where name = $1 and data->>'taskId' = $2 and state < 'completed'`, [taskQueueFor(agentId), taskId]);
  return rows[0]!.n;
}

async function task(id: string) {
  const { rows } = await pool.query<{ state: string; blocked_reason: string | null }>(`select state::text as state, blocked_reason from task where id = $1`, [id]);
  return rows[0]!;
}

/** Every status event of these tasks in commit order (a transaction's events share its timestamp), then seq. */
async function timeline(ids: string[]): Promise<Array<{ task: string; state: string; at: number }>> {
  const { rows } = await pool.query<{ task_id: string; state: string; at: Date }>(
    `select task_id, payload->>'state' as state, created_at as at from task_event where task_id = any($1::uuid[]) and type = 'status' order by created_at, task_id, seq`,
    [ids],
  );
  return rows.map((r) => ({ task: r.task_id, state: r.state, at: r.at.getTime() }));
}

describe("dependencies", () => {
  it("a dependent waits blocked, is queued by its dependency's move to review in the same transaction, then runs", async () => {
    const first = await create({ prompt: "Fix the parser\nin detail" });
    expect(first.state).toBe("queued");
    const second = await create({ prompt: "Use the parser", dependsOn: [first.id] });
    expect(second).toMatchObject({ state: "blocked", blockedReason: `waiting for #${first.id.slice(0, 8)}: Fix the parser` });
    expect(await jobsFor(second.id)).toBe(0);

    await run(first.id);
    // Still blocked while the dependency runs: no job yet.
    expect((await task(second.id)).state).toBe("blocked");
    expect(await jobsFor(second.id)).toBe(0);

    await inTransaction(pool, (c) => endTurn(c, boss, first.id, { to: "review", change }));
    expect(await task(second.id)).toEqual({ state: "queued", blocked_reason: null });
    await run(second.id);

    const events = await timeline([first.id, second.id]);
    const dependency = events.filter((e) => e.task === first.id).map((e) => e.state);
    const dependent = events.filter((e) => e.task === second.id).map((e) => e.state);
    expect(dependency).toEqual(["queued", "running", "review"]);
    expect(dependent).toEqual(["blocked", "queued", "running"]);
    // The dependent's queued event was written by the dependency's review transition itself.
    const review = events.find((e) => e.task === first.id && e.state === "review")!;
    const queued = events.find((e) => e.task === second.id && e.state === "queued")!;
    expect(queued.at).toBe(review.at);
    const order = events.map((e) => `${e.task === first.id ? "dependency" : "dependent"} ${e.state}`);
    expect(order.indexOf("dependency review")).toBeLessThan(order.indexOf("dependent running"));
    expect(order.indexOf("dependent blocked")).toBeLessThan(order.indexOf("dependency review"));
  });

  it("waits for every dependency; completed counts as met, and the reason names the next one", async () => {
    const a = await create({ prompt: "A" });
    const b = await create({ prompt: "B" });
    const c = await create({ prompt: "C", dependsOn: [a.id, b.id, a.id] });
    expect(c.blockedReason).toMatch(/^waiting for #.{8}: [AB] \(and 1 more\)$/);
    await run(a.id);
    await inTransaction(pool, (cl) => endTurn(cl, boss, a.id, { to: "completed" }));
    expect(await task(c.id)).toEqual({ state: "blocked", blocked_reason: `waiting for #${b.id.slice(0, 8)}: B` });
    await run(b.id);
    await inTransaction(pool, (cl) => endTurn(cl, boss, b.id, { to: "review", change }));
    expect((await task(c.id)).state).toBe("queued");
    expect(await jobsFor(c.id)).toBe(1);
  });

  it("a task depending on tasks already in review or completed queues at once", async () => {
    const a = await create({ prompt: "A" });
    await run(a.id);
    await inTransaction(pool, (c) => endTurn(c, boss, a.id, { to: "review", change }));
    const b = await create({ prompt: "B", dependsOn: [a.id] });
    expect(b).toMatchObject({ state: "queued", blockedReason: null });
    expect(await jobsFor(b.id)).toBe(1);
  });

  it("a failed dependency leaves the dependent blocked, saying so, until a person starts it", async () => {
    const a = await create({ prompt: "Build the thing" });
    const b = await create({ prompt: "Ship the thing", dependsOn: [a.id] });
    await run(a.id);
    await inTransaction(pool, (c) => endTurn(c, boss, a.id, { to: "failed", message: "it broke" }));
    const blocked = await task(b.id);
    expect(blocked.state).toBe("blocked");
    expect(blocked.blocked_reason).toBe(`#${a.id.slice(0, 8)} failed: Build the thing — start this task anyway or cancel it`);
    expect(await jobsFor(b.id)).toBe(0);
    expect((await timeline([b.id])).map((e) => e.state)).toEqual(["blocked", "blocked"]);

    await inTransaction(pool, (c) => startTask(c, boss, { taskId: b.id, actor: "ann" }));
    expect(await task(b.id)).toEqual({ state: "queued", blocked_reason: null });
    await run(b.id);
    await expect(inTransaction(pool, (c) => startTask(c, boss, { taskId: b.id, actor: "ann" }))).rejects.toBeInstanceOf(TransitionRefusedError);
  });

  it("a cancelled dependency (queued or blocked) is named on its dependent; a blocked dependent can be cancelled", async () => {
    const a = await create({ prompt: "A" });
    const b = await create({ prompt: "B", dependsOn: [a.id] });
    const c = await create({ prompt: "C", dependsOn: [b.id] });
    await inTransaction(pool, (cl) => cancelTask(cl, boss, { taskId: a.id, actor: "ann" }));
    expect((await task(b.id)).blocked_reason).toMatch(/^#.{8} cancelled: A/);
    expect(await inTransaction(pool, (cl) => cancelTask(cl, boss, { taskId: b.id, actor: "ann" }))).toEqual({ state: "cancelled", subtasks: 0 });
    expect(await task(b.id)).toEqual({ state: "cancelled", blocked_reason: null });
    expect((await task(c.id)).blocked_reason).toMatch(/^#.{8} cancelled: B/);
  });

  it("cancelling a parent cancels its subtasks (and theirs) only when asked", async () => {
    const parent = await create({ prompt: "Parent" });
    const child = await create({ prompt: "Child", parentId: parent.id });
    const elsewhere = await create({ prompt: "Not in the tree" });
    const grandchild = await create({ prompt: "Grandchild", parentId: child.id, dependsOn: [elsewhere.id] });
    expect(grandchild.state).toBe("blocked");
    const done = await create({ prompt: "Done child", parentId: parent.id });
    await run(done.id);
    await inTransaction(pool, (c) => endTurn(c, boss, done.id, { to: "completed" }));

    const alone = await create({ prompt: "Other parent" });
    const kept = await create({ prompt: "Kept child", parentId: alone.id });
    await inTransaction(pool, (c) => cancelTask(c, boss, { taskId: alone.id, actor: "ann" }));
    expect((await task(kept.id)).state).toBe("queued");

    const result = await inTransaction(pool, (c) => cancelTask(c, boss, { taskId: parent.id, actor: "ann", withSubtasks: true }));
    expect(result).toEqual({ state: "cancelled", subtasks: 2 });
    expect((await task(child.id)).state).toBe("cancelled");
    expect((await task(grandchild.id)).state).toBe("cancelled");
    expect((await task(done.id)).state).toBe("completed");
    expect((await task(elsewhere.id)).state).toBe("queued");
  });

  it("refuses cycles, other projects, unknown tasks and too many dependencies, writing nothing", async () => {
    const count = async () => (await pool.query<{ n: number }>(`select count(*)::int as n from task`)).rows[0]!.n;
    const parent = await create({ prompt: "Parent" });
    const child = await create({ prompt: "Child", parentId: parent.id });
    const before = await count();
    await expect(create({ prompt: "waits for its parent", parentId: parent.id, dependsOn: [parent.id] })).rejects.toThrow(TaskLinkError);
    await expect(create({ prompt: "waits for its grandparent", parentId: child.id, dependsOn: [parent.id] })).rejects.toThrow(/ancestor of the new task.*cycle/);
    const elsewhere = await create({ prompt: "Elsewhere", project: otherProjectId });
    await expect(create({ prompt: "x", dependsOn: [elsewhere.id] })).rejects.toThrow(/another project/);
    await expect(create({ prompt: "x", parentId: elsewhere.id })).rejects.toThrow(/another project/);
    const missing = "00000000-0000-4000-8000-000000000000";
    await expect(create({ prompt: "x", dependsOn: [missing] })).rejects.toBeInstanceOf(LifecycleNotFoundError);
    await expect(create({ prompt: "x", parentId: missing })).rejects.toThrow(/Parent task .* does not exist/);
    const many = await Promise.all(Array.from({ length: 21 }, (_, i) => create({ prompt: `dep ${i}` })));
    await expect(create({ prompt: "x", dependsOn: many.map((t) => t.id) })).rejects.toThrow(/at most 20/);
    expect(await count()).toBe(before + 1 + 21);
    // A sibling may depend on a sibling: that is no cycle.
    expect((await create({ prompt: "sibling", parentId: parent.id, dependsOn: [child.id] })).state).toBe("blocked");
  });

  it("a dependent created while its dependency moves to review is never left blocked (20 races)", async () => {
    for (let i = 0; i < 20; i++) {
      const a = await create({ prompt: `race ${i}` });
      await run(a.id);
      const [, b] = await Promise.all([inTransaction(pool, (c) => endTurn(c, boss, a.id, { to: "review", change })), create({ prompt: `after ${i}`, dependsOn: [a.id] })]);
      expect(await task(b.id), `race ${i}`).toEqual({ state: "queued", blocked_reason: null });
      expect(await jobsFor(b.id)).toBe(1);
    }
  });

  it("the reason prefers a lost dependency over one still running", () => {
    expect(blockedReason([
      { id: "aaaaaaaa-1", state: "running", prompt: "run" },
      { id: "bbbbbbbb-2", state: "discarded", prompt: "gone" },
    ])).toBe("#bbbbbbbb discarded: gone — start this task anyway or cancel it");
    expect(blockedReason([{ id: "aaaaaaaa-1", state: "applied", prompt: "x" }])).toBeNull();
  });
});

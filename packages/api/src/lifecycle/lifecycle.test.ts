import { randomUUID } from "node:crypto";
import pg from "pg";
import type { PgBoss } from "pg-boss";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@wharf/db/testing";
import { inTransaction } from "../queue";
import { cancellableTaskStates, finalTaskStates, followUpTaskStates, liveTaskStates, taskQueueFor, taskStates, type TaskState } from "../schemas";
import { createBoss } from "../task-queue";
import {
  answerPermission,
  applyTaskChange,
  cancelTask,
  claimTask,
  closePermission,
  createTask,
  discardTaskChange,
  endTurn,
  followUp,
  openPermission,
  publishTaskChange,
  rebaseTaskChange,
  resumeTask,
  sendComments,
  startTask,
  TransitionRefusedError,
  type PermissionAskRow,
} from "./index";

let db: TestDatabase;
let pool: pg.Pool;
let boss: PgBoss;
let projectId: string;
const agentId = "lifecycle-agent";

beforeAll(async () => {
  db = await createTestDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 4 });
  boss = await createBoss(db.url, "api");
  const { rows } = await pool.query<{ id: string }>(
    `insert into project (id, name, repo_path, base_branch, updated_at) values (gen_random_uuid(), 'p', '/tmp/lifecycle-not-used', 'main', now()) returning id`,
  );
  projectId = rows[0]!.id;
  await pool.query(`insert into agent (id, name, transport, command, updated_at) values ($1, 'Lifecycle', 'acp', 'true', now())`, [agentId]);
});
afterAll(async () => {
  await boss?.stop({ graceful: false });
  await pool?.end();
  await db?.drop();
});

/** A task inserted directly in `state`, with a pending change (and worktree columns) to review. */
async function taskIn(state: TaskState): Promise<string> {
  const id = randomUUID();
  await pool.query(
    `insert into task (id, project_id, agent_id, prompt, state, worktree_path, branch, base_commit, updated_at)
     values ($1, $2, $3, 'do it', $4::"TaskState", '/tmp/lifecycle-not-used/wt', $5, 'base', now())`,
    [id, projectId, agentId, state, `wharf/${id}`],
  );
  await pool.query(
    `insert into change (id, task_id, branch, base_commit, head_commit, files, additions, deletions, diff, state, updated_at)
     values (gen_random_uuid(), $1, $2, 'base', 'head', '[]', 0, 0, '', 'pending', now())`,
    [id, `wharf/${id}`],
  );
  return id;
}

async function row(id: string) {
  const { rows } = await pool.query<{ state: string; turn: number; pending_prompt: string | null; cancel_requested: boolean; change_state: string | null; last_seq: number }>(
    `select t.state::text as state, t.turn, t.pending_prompt, t.cancel_requested, c.state::text as change_state, t.last_seq
     from task t left join change c on c.task_id = t.id where t.id = $1`,
    [id],
  );
  return rows[0]!;
}

async function statusEvents(id: string): Promise<string[]> {
  const { rows } = await pool.query<{ state: string }>(`select payload->>'state' as state from task_event where task_id = $1 and type = 'status' order by seq`, [id]);
  return rows.map((r) => r.state);
}

type Case = {
  name: string;
  allowed: readonly TaskState[];
  run(client: pg.PoolClient, taskId: string): Promise<unknown>;
  /** The task's state after the transition succeeded from `from`. */
  to(from: TaskState): TaskState;
};

const change = { branch: "b", baseCommit: "base", headCommit: "head2", files: [{ path: "a.txt", status: "modified" as const, additions: 1, deletions: 0, binary: false }], additions: 1, deletions: 0, diff: "+a" };

const cases: Case[] = [
  { name: "claim", allowed: ["queued"], run: (c, id) => claimTask(c, { taskId: id, runnerId: "r1", turn: 0, retry: false }), to: () => "running" },
  { name: "claim (retry)", allowed: liveTaskStates, run: (c, id) => claimTask(c, { taskId: id, runnerId: "r2", turn: 0, retry: true }), to: () => "running" },
  { name: "follow-up", allowed: followUpTaskStates, run: (c, id) => followUp(c, boss, { taskId: id, prompt: "and more" }), to: () => "queued" },
  { name: "cancel", allowed: cancellableTaskStates, run: (c, id) => cancelTask(c, boss, { taskId: id, actor: "test" }), to: (from) => (from === "queued" || from === "blocked" ? "cancelled" : from) },
  { name: "start (blocked)", allowed: ["blocked"], run: (c, id) => startTask(c, boss, { taskId: id, actor: "test" }), to: () => "queued" },
  { name: "finish → review", allowed: ["running", "needs_input"], run: (c, id) => endTurn(c, boss, id, { to: "review", change }), to: () => "review" },
  { name: "finish → completed", allowed: ["running", "needs_input"], run: (c, id) => endTurn(c, boss, id, { to: "completed" }), to: () => "completed" },
  { name: "fail", allowed: ["running", "needs_input"], run: (c, id) => endTurn(c, boss, id, { to: "failed", message: "it broke" }), to: () => "failed" },
  { name: "cancel (runner)", allowed: ["running", "needs_input"], run: (c, id) => endTurn(c, boss, id, { to: "cancelled", reason: "cancelled by test" }), to: () => "cancelled" },
  { name: "needs input", allowed: ["running", "needs_input"], run: (c, id) => openPermission(c, ask(id), requested(id)), to: () => "needs_input" },
  { name: "apply", allowed: ["review"], run: (c, id) => applyTaskChange(c, id, async () => ({ ok: true, commit: "c0ffee".padEnd(40, "0") })), to: () => "applied" },
  { name: "discard", allowed: ["review"], run: (c, id) => discardTaskChange(c, id), to: () => "discarded" },
  {
    name: "apply (some paths)",
    allowed: ["review"],
    run: (c, id) => applyTaskChange(c, id, async () => ({ ok: true, commit: "c0ffee".padEnd(40, "0"), rest: { ...change, baseCommit: "base2", applied: ["b.txt"] } })),
    to: () => "review",
  },
  { name: "rebase", allowed: ["review"], run: (c, id) => rebaseTaskChange(c, id, async () => ({ ok: true, rebased: true, change: { ...change, baseCommit: "tip" } })), to: () => "review" },
  { name: "push", allowed: ["review"], run: (c, id) => publishTaskChange(c, id, "push", async () => ({ pushedBranch: "wharf/x", pushedCommit: "head" })), to: () => "review" },
  {
    name: "send comments",
    allowed: followUpTaskStates,
    run: async (c, id) => {
      await c.query(
        `insert into review_comment (id, task_id, path, start_line, end_line, body, head_commit, updated_at) values (gen_random_uuid(), $1, 'a.txt', 1, 1, 'why?', 'head', now())`,
        [id],
      );
      return sendComments(c, boss, id, async (comments) => `about ${comments.length} comment`);
    },
    to: () => "queued",
  },
];

function ask(taskId: string): PermissionAskRow {
  return {
    requestId: randomUUID(),
    taskId,
    toolCallId: "tc-1",
    title: "Write a.txt",
    toolKind: "edit",
    options: [
      { optionId: "allow", name: "Allow", kind: "allow_once" },
      { optionId: "reject", name: "Reject", kind: "reject_once" },
    ],
    toolCall: { toolCallId: "tc-1", title: "Write a.txt" },
  };
}
const requested = (taskId: string) => ({ type: "permission" as const, phase: "requested" as const, requestId: randomUUID(), toolCallId: `tc-${taskId.slice(0, 4)}`, options: [] });

describe("task transitions", () => {
  for (const transition of cases) {
    it(`${transition.name}: allowed from ${transition.allowed.join(", ")}, refused from every other state`, async () => {
      for (const from of taskStates) {
        const id = await taskIn(from);
        const before = await row(id);
        const result = await inTransaction(pool, (client) => transition.run(client, id)).catch((error: unknown) => error);
        const after = await row(id);
        if (transition.allowed.includes(from)) {
          expect(result, `${transition.name} from ${from}`).not.toBeInstanceOf(Error);
          expect(after.state, `${transition.name} from ${from}`).toBe(transition.to(from));
          expect(after, `${transition.name} from ${from} writes something`).not.toEqual(before);
          if (after.state !== from) expect((await statusEvents(id)).at(-1), `${transition.name} from ${from} says so`).toBe(after.state);
        } else {
          expect(result, `${transition.name} from ${from}`).toBeInstanceOf(TransitionRefusedError);
          expect(result).toMatchObject({ id, from });
          expect((result as Error).message).toContain(`is ${from}`);
          expect(after, `${transition.name} from ${from} changes nothing`).toEqual(before);
        }
      }
    });
  }

  it("refuses a claim of a task whose cancellation was requested", async () => {
    const id = await taskIn("queued");
    await pool.query(`update task set cancel_requested = true where id = $1`, [id]);
    await expect(inTransaction(pool, (c) => claimTask(c, { taskId: id, runnerId: "r", turn: 0, retry: false }))).rejects.toThrow(/being cancelled/);
    expect((await row(id)).state).toBe("queued");
  });

  it("refuses transitions of a task that does not exist with not_found", async () => {
    const missing = randomUUID();
    await expect(inTransaction(pool, (c) => followUp(c, boss, { taskId: missing, prompt: "x" }))).rejects.toMatchObject({ kind: "not_found" });
  });

  it("creates a task queued on turn 0 with its job, in its agent's queue and group", async () => {
    const created = await inTransaction(pool, (c) => createTask(c, boss, { projectId, agentId, prompt: "first" }));
    expect(await row(created.id)).toMatchObject({ state: "queued", turn: 0, pending_prompt: null });
    expect(await statusEvents(created.id)).toEqual(["queued"]);
    const { rows } = await pool.query<{ data: unknown; group_id: string }>(
      `select j.data, j.group_id from pgboss.job j join task t on t.job_id = j.id::text where t.id = $1 and j.name = $2`,
      [created.id, taskQueueFor(agentId)],
    );
    expect(rows[0]).toEqual({ data: { taskId: created.id, turn: 0 }, group_id: agentId });
    // No runner is registered here: the task says why it waits.
    const { rows: queued } = await pool.query<{ reason: string }>(`select payload->>'reason' as reason from task_event where task_id = $1 and type = 'status'`, [created.id]);
    expect(queued[0]?.reason).toMatch(/^no runner has .+ installed$/);
  });

  it("numbers follow-ups on the row and keeps the prompt there for the runner", async () => {
    const id = await taskIn("review");
    expect(await inTransaction(pool, (c) => followUp(c, boss, { taskId: id, prompt: "second" }))).toEqual({ turn: 1 });
    await inTransaction(pool, (c) => claimTask(c, { taskId: id, runnerId: "r", turn: 1, retry: false }));
    await inTransaction(pool, (c) => endTurn(c, boss, id, { to: "completed" }));
    expect(await inTransaction(pool, (c) => followUp(c, boss, { taskId: id, prompt: "third" }))).toEqual({ turn: 2 });
    expect(await row(id)).toMatchObject({ state: "queued", turn: 2, pending_prompt: "third" });
    const { rows } = await pool.query<{ data: { turn: number } }>(`select j.data from pgboss.job j join task t on t.job_id = j.id::text where t.id = $1`, [id]);
    expect(rows[0]?.data.turn).toBe(2);
  });

  it("keeps the change of a failed or cancelled turn as discarded, and of a finished one as pending", async () => {
    for (const [end, changeState] of [["failed", "discarded"], ["cancelled", "discarded"], ["review", "pending"]] as const) {
      const id = await taskIn("running");
      await pool.query(`delete from change where task_id = $1`, [id]);
      await inTransaction(pool, (c) =>
        endTurn(c, boss, id, end === "failed" ? { to: end, message: "x", change } : end === "cancelled" ? { to: end, reason: "x", change } : { to: end, change }),
      );
      expect(await row(id)).toMatchObject({ state: end, change_state: changeState });
    }
  });

  it("leaves an applied task's change pending with the reason when the apply cannot be done", async () => {
    const id = await taskIn("review");
    const result = await inTransaction(pool, (c) => applyTaskChange(c, id, async () => ({ ok: false, reason: "conflict", message: "a.txt conflicts" })));
    expect(result.outcome).toEqual({ ok: false, reason: "conflict", message: "a.txt conflicts" });
    expect(await row(id)).toMatchObject({ state: "review", change_state: "conflict" });
  });

  it("final states are final: nothing moves a task out of them", () => {
    for (const transition of cases) {
      for (const state of finalTaskStates) expect(transition.allowed, transition.name).not.toContain(state);
    }
  });
});

describe("permission transitions", () => {
  it("a request goes pending → answered once; later answers are refused", async () => {
    const id = await taskIn("running");
    const request = ask(id);
    await inTransaction(pool, (c) => openPermission(c, request, requested(id)));
    expect((await row(id)).state).toBe("needs_input");
    // Another request is still open: the task keeps waiting after the first answer.
    const other = ask(id);
    await inTransaction(pool, (c) => openPermission(c, other, requested(id)));

    await expect(inTransaction(pool, (c) => answerPermission(c, { requestId: request.requestId, optionId: "nope", actor: "t" }))).rejects.toMatchObject({ kind: "bad_request" });
    await inTransaction(pool, (c) => answerPermission(c, { requestId: request.requestId, optionId: "allow", actor: "t" }));
    await expect(inTransaction(pool, (c) => answerPermission(c, { requestId: request.requestId, optionId: "reject", actor: "t" }))).rejects.toThrow(/already answered/);
    expect(await inTransaction(pool, (c) => resumeTask(c, id))).toBe(false);
    expect((await row(id)).state).toBe("needs_input");

    expect(await inTransaction(pool, (c) => closePermission(c, { taskId: id, requestId: other.requestId, outcome: "cancelled" }))).toBe(true);
    expect(await inTransaction(pool, (c) => closePermission(c, { taskId: id, requestId: other.requestId, outcome: "expired" }))).toBe(false);
    await expect(inTransaction(pool, (c) => answerPermission(c, { requestId: other.requestId, optionId: "allow", actor: "t" }))).rejects.toThrow(/already cancelled/);

    expect(await inTransaction(pool, (c) => resumeTask(c, id))).toBe(true);
    expect((await row(id)).state).toBe("running");
    expect(await statusEvents(id)).toEqual(["needs_input", "needs_input", "running"]);
  });

  it("resume moves only a waiting task", async () => {
    for (const state of taskStates) {
      const id = await taskIn(state);
      const before = await row(id);
      const moved = await inTransaction(pool, (c) => resumeTask(c, id));
      expect(moved, state).toBe(state === "needs_input");
      expect((await row(id)).state).toBe(state === "needs_input" ? "running" : before.state);
    }
  });

  it("a retried claim expires the requests the previous runner left open", async () => {
    const id = await taskIn("running");
    const request = ask(id);
    await inTransaction(pool, (c) => openPermission(c, request, requested(id)));
    await inTransaction(pool, (c) => claimTask(c, { taskId: id, runnerId: "r2", turn: 0, retry: true }));
    const { rows } = await pool.query<{ state: string }>(`select state::text as state from permission_request where id = $1`, [request.requestId]);
    expect(rows[0]?.state).toBe("expired");
  });
});

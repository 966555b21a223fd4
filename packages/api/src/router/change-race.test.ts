import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commitAll, computeChange, createWorktree } from "@wharf/git";
import { createTestRepo, type TestRepo } from "@wharf/git/testing";
import { createTestDatabase, type TestDatabase } from "@wharf/db/testing";
import { endTurn, inTransaction } from "../lifecycle";
import { appRouter } from "../root";
import { createServices, type Services } from "../services";
import { createCallerFactory, createTRPCContext } from "../trpc";

const TOKEN = "wharf_change_race_token_0123456789abcdef";
const PAIRS = 20;
let db: TestDatabase;
let services: Services;
let repo: TestRepo;
let projectId: string;
const api = () => createCallerFactory(appRouter)(createTRPCContext({ services, headers: new Headers({ authorization: `Bearer ${TOKEN}` }), accessToken: TOKEN }));

beforeAll(async () => {
  db = await createTestDatabase();
  services = await createServices({ databaseUrl: db.url, poolSize: 8 });
  repo = await createTestRepo({ "README.md": "# race\n" });
  const { rows } = await services.pool.query<{ id: string }>(
    `insert into project (id, name, repo_path, base_branch, updated_at) values (gen_random_uuid(), 'race', $1, 'main', now()) returning id`,
    [repo.path],
  );
  projectId = rows[0]!.id;
  await services.pool.query(`insert into agent (id, name, transport, command, updated_at) values ('race-agent', 'Race', 'acp', 'true', now()) on conflict do nothing`);
});
afterAll(async () => {
  await services?.close();
  await db?.drop();
  await repo?.remove();
});

/** A task in review with a real worktree, branch and one changed file, as the runner leaves it. */
async function taskInReview(n: number): Promise<{ id: string; worktree: string; branch: string; file: string }> {
  const { rows } = await services.pool.query<{ id: string }>(
    `insert into task (id, project_id, agent_id, prompt, state, updated_at) values (gen_random_uuid(), $1, 'race-agent', $2, 'running', now()) returning id`,
    [projectId, `race ${n}`],
  );
  const id = rows[0]!.id;
  const worktree = await createWorktree({ repoPath: repo.path, baseBranch: "main", taskId: id, worktreesDir: path.join(repo.path, "..", "worktrees") });
  const file = `race-${n}.txt`;
  await writeFile(path.join(worktree.path, file), `work of task ${n}\n`);
  const { headCommit } = await commitAll({ repoPath: repo.path, worktreePath: worktree.path, branch: worktree.branch, message: `task ${n}` });
  const change = await computeChange({ worktreePath: worktree.path, baseCommit: worktree.baseCommit, headCommit });
  await services.pool.query(`update task set worktree_path = $2, branch = $3, base_commit = $4 where id = $1`, [id, worktree.path, worktree.branch, worktree.baseCommit]);
  await inTransaction(services.pool, (client) =>
    endTurn(client, services.boss, id, { to: "review", change: { branch: worktree.branch, baseCommit: worktree.baseCommit, headCommit, ...change } }),
  );
  return { id, worktree: worktree.path, branch: worktree.branch, file };
}

/** Waits until `count` other backends wait on a lock (lock waits send no notification). */
async function waitForLockWaiters(client: pg.Client, count: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await client.query("select pg_stat_clear_snapshot()");
    const { rows } = await client.query<{ n: number }>(
      `select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
    );
    if (rows[0]!.n >= count) return;
    if (Date.now() > deadline) throw new Error(`only ${rows[0]!.n} of ${count} calls reached the task's row lock within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("change.apply racing task.prompt", () => {
  it(`lets exactly one of them win, ${PAIRS} times, and leaves the database and git agreeing`, { timeout: 240_000 }, async () => {
    const wins = { apply: 0, prompt: 0 };
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      for (let n = 0; n < PAIRS; n++) {
        const task = await taskInReview(n);
        // Hold the task's row so both calls are in flight at once, then let them go together.
        // Every other pair races without the hold, as the calls arrive.
        const held = n % 2 === 0;
        if (held) {
          await holder.query("begin");
          await holder.query(`select id from task where id = $1 for update`, [task.id]);
        }
        const calls = [
          () => api().change.apply.call(null, { taskId: task.id }).then(() => "apply" as const),
          () => api().task.prompt({ id: task.id, prompt: `follow-up ${n}` }).then(() => "prompt" as const),
        ];
        if (n % 4 >= 2) calls.reverse();
        const racing = Promise.allSettled(calls.map((call) => call()));
        if (held) {
          await waitForLockWaiters(holder, 2);
          await holder.query("rollback");
        }
        const results = await racing;

        const won = results.filter((r): r is PromiseFulfilledResult<"apply" | "prompt"> => r.status === "fulfilled");
        const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
        expect(won, `pair ${n}: one winner`).toHaveLength(1);
        expect(lost, `pair ${n}: one loser`).toHaveLength(1);
        expect(lost[0]!.reason, `pair ${n}: the loser gets CONFLICT`).toMatchObject({ code: "CONFLICT" });
        const winner = won[0]!.value;
        wins[winner]++;

        const { rows } = await services.pool.query<{ state: string; turn: number; pending_prompt: string | null; change_state: string; worktree_path: string | null }>(
          `select t.state::text as state, t.turn, t.pending_prompt, c.state::text as change_state, t.worktree_path
           from task t join change c on c.task_id = t.id where t.id = $1`,
          [task.id],
        );
        const row = rows[0]!;
        const onMain = await repo.git("ls-tree", "--name-only", "main", "--", task.file);
        const branch = await repo.git("branch", "--list", task.branch);
        if (winner === "apply") {
          expect(row, `pair ${n}`).toMatchObject({ state: "applied", change_state: "applied", turn: 0, pending_prompt: null });
          expect(onMain, `pair ${n}: the work is on main`).toBe(task.file);
          expect(existsSync(task.worktree), `pair ${n}: worktree removed`).toBe(false);
          expect(branch, `pair ${n}: branch removed`).toBe("");
        } else {
          expect(row, `pair ${n}`).toMatchObject({ state: "queued", change_state: "pending", turn: 1, pending_prompt: `follow-up ${n}` });
          expect(onMain, `pair ${n}: main untouched`).toBe("");
          expect(existsSync(path.join(task.worktree, task.file)), `pair ${n}: the work stays in the worktree`).toBe(true);
          expect(branch, `pair ${n}: branch kept`).not.toBe("");
        }
      }
    } finally {
      await holder.end();
    }
    expect(wins.apply + wins.prompt).toBe(PAIRS);
    console.info(`change.apply won ${wins.apply} and task.prompt ${wins.prompt} of ${PAIRS} races`);
  });
});

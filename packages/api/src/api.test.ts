import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@wharf/db/testing";
import { appRouter } from "./root";
import { createServices, type Services } from "./services";
import { createCallerFactory, createTRPCContext } from "./trpc";

const TOKEN = "wharf_api_test_token_0123456789abcdefghij";
let db: TestDatabase;
let services: Services;
const caller = (headers: Record<string, string>) =>
  createCallerFactory(appRouter)(createTRPCContext({ services, headers: new Headers(headers), accessToken: TOKEN }));

beforeAll(async () => {
  db = await createTestDatabase();
  services = await createServices({ databaseUrl: db.url, poolSize: 8 });
});
afterAll(async () => {
  await services?.close();
  await db?.drop();
});

/**
 * Waits until `count` other backends wait on a lock. Lock waits send no notification, so this
 * looks at pg_stat_activity a few times, with a deadline.
 */
async function waitForLockWaiters(client: pg.Client, count: number, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // Inside a transaction the statistics views are a snapshot; clear it to see the present.
    await client.query("select pg_stat_clear_snapshot()");
    const { rows } = await client.query<{ n: number }>(
      `select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
    );
    if (rows[0]!.n >= count) return;
    if (Date.now() > deadline) throw new Error(`only ${rows[0]!.n} of ${count} answers reached the row lock within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Every procedure path in the router, e.g. "task.create". */
function procedurePaths(): string[] {
  return Object.keys(appRouter._def.procedures);
}

describe("authentication", () => {
  it("refuses every procedure without the token or with a wrong one", async () => {
    const paths = procedurePaths();
    expect(paths.length).toBeGreaterThan(10);
    const attempts: Record<string, string>[] = [{}, { authorization: `Bearer ${TOKEN}x` }, { authorization: TOKEN }];
    for (const headers of attempts) {
      const api = caller(headers);
      for (const path of paths) {
        const [domain, name] = path.split(".") as [string, string];
        const procedures = (api as unknown as Record<string, Record<string, { call(thisArg: null, input: unknown): Promise<unknown> }>>)[domain]!;
        await expect(procedures[name]!.call(null, {}), `${path} with ${JSON.stringify(headers)}`).rejects.toMatchObject({ code: "UNAUTHORIZED" });
      }
    }
  });

  it("answers with the right token", async () => {
    await expect(caller({ authorization: `Bearer ${TOKEN}` }).health.check()).resolves.toMatchObject({ ok: true });
  });
});

describe("the session cookie", () => {
  const cookie = `wharf_session=${encodeURIComponent(TOKEN)}`;
  const input = { projectId: "00000000-0000-4000-8000-000000000000", agentId: "none", prompt: "x" };

  it("signs in queries", async () => {
    await expect(caller({ cookie, host: "127.0.0.1:7777" }).health.check()).resolves.toMatchObject({ ok: true });
    await expect(caller({ cookie: "wharf_session=wrong", host: "127.0.0.1:7777" }).health.check()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });

  it("refuses mutations without a same-origin Origin, including a missing one", async () => {
    const attempts: Record<string, string>[] = [{ cookie, host: "127.0.0.1:7777" }, { cookie, host: "127.0.0.1:7777", origin: "http://evil.example" }, { cookie, host: "127.0.0.1:7777", origin: "null" }, { cookie, host: "127.0.0.1:7777", "sec-fetch-site": "cross-site" }];
    for (const headers of attempts) {
      await expect(caller(headers).task.create(input), JSON.stringify(headers)).rejects.toMatchObject({ code: "FORBIDDEN" });
    }
  });

  it("accepts mutations from Wharf's own pages", async () => {
    // Gets past authentication to input checks: the project does not exist.
    await expect(caller({ cookie, host: "127.0.0.1:7777", origin: "http://127.0.0.1:7777" }).task.create(input)).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(caller({ cookie, host: "127.0.0.1:7777", "sec-fetch-site": "same-origin" }).task.create(input)).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("does not need an Origin for bearer-token scripts", async () => {
    await expect(caller({ authorization: `Bearer ${TOKEN}` }).task.create(input)).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});

describe("agent.upsert", () => {
  it("forgets what an agent reported when its command changes, and keeps it otherwise", async () => {
    const api = caller({ authorization: `Bearer ${TOKEN}` });
    const agent = { id: "caps-agent", name: "Caps", transport: "acp" as const, command: "caps-acp", args: ["--acp"] };
    await api.agent.upsert(agent);
    const reported = { modes: [{ id: "ask", name: "Ask" }], reportedAt: new Date().toISOString() };
    await services.pool.query(`update agent set capabilities = $2::jsonb, version = '1.2.3' where id = $1`, [agent.id, JSON.stringify(reported)]);
    const renamed = await api.agent.upsert({ ...agent, name: "Caps renamed", env: { LEVEL: "1" } });
    expect(renamed).toMatchObject({ capabilities: reported, version: "1.2.3" });
    const replaced = await api.agent.upsert({ ...agent, args: ["acp"] });
    expect(replaced).toMatchObject({ capabilities: {}, version: null });
  });
});

describe("permission.respond", () => {
  it("accepts exactly one of many simultaneous answers", async () => {
    const pool = services.pool;
    const repo = `/tmp/not-used-${Date.now()}`;
    const { rows: p } = await pool.query(`insert into project (id, name, repo_path, base_branch, updated_at) values (gen_random_uuid(), 'p', $1, 'main', now()) returning id`, [repo]);
    await pool.query(`insert into agent (id, name, transport, command, updated_at) values ('race-agent', 'Race', 'acp', 'true', now()) on conflict do nothing`);
    const { rows: t } = await pool.query(`insert into task (id, project_id, agent_id, prompt, state, updated_at) values (gen_random_uuid(), $1, 'race-agent', 'x', 'needs_input', now()) returning id`, [p[0].id]);
    const options = [
      { optionId: "allow", name: "Allow", kind: "allow_once" },
      { optionId: "reject", name: "Reject", kind: "reject_once" },
    ];
    const { rows: r } = await pool.query(
      `insert into permission_request (id, task_id, tool_call_id, options, tool_call) values (gen_random_uuid(), $1, 'tc', $2, '{}') returning id`,
      [t[0].id, JSON.stringify(options)],
    );
    const api = caller({ authorization: `Bearer ${TOKEN}` });
    // Hold the row so that every answer is in flight at once: each one has read the request (or
    // is waiting to) before any of them can write. Without the row lock they would all succeed.
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    let answers: PromiseSettledResult<unknown>[];
    try {
      await holder.query("begin");
      await holder.query(`select id from permission_request where id = $1 for update`, [r[0].id]);
      const racing = Promise.allSettled(
        Array.from({ length: 6 }, (_, i) => api.permission.respond({ requestId: r[0].id, optionId: i % 2 ? "allow" : "reject" })),
      );
      await waitForLockWaiters(holder, 6);
      await holder.query("rollback");
      answers = await racing;
    } finally {
      await holder.end();
    }
    const accepted = answers.filter((a) => a.status === "fulfilled");
    const refused = answers.filter((a): a is PromiseRejectedResult => a.status === "rejected");
    expect(accepted).toHaveLength(1);
    expect(refused).toHaveLength(5);
    for (const a of refused) expect(String(a.reason)).toMatch(/already answered/);
    const stored = await pool.query(`select state, chosen_option from permission_request where id = $1`, [r[0].id]);
    expect(stored.rows[0].state).toBe("answered");
    const resolvedEvents = await pool.query(`select count(*)::int as n from task_event where task_id = $1 and type = 'permission'`, [t[0].id]);
    expect(resolvedEvents.rows[0].n).toBe(1);
  });

  it("rejects an option the agent did not offer", async () => {
    const api = caller({ authorization: `Bearer ${TOKEN}` });
    await expect(api.permission.respond({ requestId: "00000000-0000-4000-8000-000000000000", optionId: "x" })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});

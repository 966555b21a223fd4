import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@wharf/db/testing";
import { issueTaskToken } from "../auth/task-token";
import { appRouter } from "../root";
import { createServices, type Services } from "../services";
import { createCallerFactory, createTRPCContext, TASK_PROCEDURES } from "../trpc";

const TOKEN = "wharf_task_token_test_0123456789abcdefghijk";

let db: TestDatabase;
let services: Services;
let projectId: string;

const callerWith = (token: string) =>
  createCallerFactory(appRouter)(createTRPCContext({ services, headers: new Headers({ authorization: `Bearer ${token}` }), accessToken: TOKEN }));
const api = () => callerWith(TOKEN);

type AnyCaller = Record<string, Record<string, { call(thisArg: null, input: unknown): Promise<unknown> }>>;
const procedure = (caller: ReturnType<typeof callerWith>, path: string) => {
  const [domain, name] = path.split(".") as [string, string];
  return (caller as unknown as AnyCaller)[domain]![name]!;
};

function makeRepo(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "wharf-task-token-repo-"));
  const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, stdio: "ignore" });
  git("init", "-q", "-b", "main");
  writeFileSync(path.join(dir, "README.md"), "# tokens\n");
  git("add", ".");
  git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "init");
  return dir;
}

/** A queued task (no runner here) and a token scoped to it. */
async function taskWithToken(prompt = "split this work") {
  const task = await api().task.create({ projectId, agentId: "plain", prompt });
  return { task, token: await issueTaskToken(services.pool, task.id) };
}

beforeAll(async () => {
  db = await createTestDatabase();
  services = await createServices({ databaseUrl: db.url, poolSize: 4 });
  await api().agent.upsert({ id: "plain", name: "Plain", transport: "acp", command: process.execPath, args: ["agent.js"] });
  await api().agent.upsert({ id: "other", name: "Other", transport: "acp", command: process.execPath, args: ["other.js"] });
  projectId = (await api().project.create({ path: makeRepo() })).id;
}, 60_000);
afterAll(async () => {
  await services?.close();
  await db?.drop();
});

describe("a token scoped to a task", () => {
  it("may call only the mcp procedures: every other one is FORBIDDEN, saying what it may call", async () => {
    const { token } = await taskWithToken();
    const scoped = callerWith(token);
    const paths = Object.keys(appRouter._def.procedures);
    expect(paths.filter((p) => p.startsWith("mcp.")).sort()).toEqual([...TASK_PROCEDURES].sort());
    for (const path of paths.filter((p) => !p.startsWith("mcp."))) {
      await expect(procedure(scoped, path).call(null, {}), path).rejects.toMatchObject({
        code: "FORBIDDEN",
        message: expect.stringContaining(`${path} needs Wharf's access token`),
      });
    }
    // The access token does not act for a task; without any token mcp.* is UNAUTHORIZED.
    await expect(api().mcp.listTasks()).rejects.toMatchObject({ code: "FORBIDDEN", message: expect.stringMatching(/token scoped to that task/) });
    await expect(procedure(callerWith("wharf_task_unknown"), "mcp.listTasks").call(null, undefined)).rejects.toMatchObject({ code: "UNAUTHORIZED", message: expect.stringMatching(/not known/) });
  });

  it("creates subtasks of its task in its project, with its agent unless told, depending only on its siblings", async () => {
    const { task, token } = await taskWithToken();
    const unrelated = await api().task.create({ projectId, agentId: "plain", prompt: "someone else's task" });
    const scoped = callerWith(token).mcp;

    const first = await scoped.createSubtask({ prompt: "first part\nwith details" });
    expect(first).toMatchObject({ parentId: task.id, title: "first part", agentId: "plain", state: "queued", change: null, dependsOn: [] });
    const second = await scoped.createSubtask({ prompt: "second part", agentId: "other", dependsOn: [first.id] });
    expect(second).toMatchObject({ parentId: task.id, agentId: "other", state: "blocked", dependsOn: [{ id: first.id, state: "queued" }] });
    expect(second.blockedReason).toMatch(/^waiting for #/);

    await expect(scoped.createSubtask({ prompt: "x", dependsOn: [unrelated.id] })).rejects.toMatchObject({ code: "FORBIDDEN", message: expect.stringContaining(unrelated.id) });
    await expect(scoped.createSubtask({ prompt: "x", agentId: "nobody" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(scoped.createSubtask({ prompt: "  " })).rejects.toMatchObject({ code: "BAD_REQUEST" });

    const listed = await scoped.listTasks();
    expect(listed.task).toMatchObject({ id: task.id, state: "queued" });
    expect(listed.subtasks.map((s) => s.id)).toEqual([first.id, second.id]);
    expect(await scoped.getTask({ id: second.id })).toMatchObject({ id: second.id, state: "blocked" });
    expect(await scoped.getTask({ id: task.id })).toMatchObject({ id: task.id });
    await expect(scoped.getTask({ id: unrelated.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    // The people's view shows the tree the agent made.
    expect((await api().task.get({ id: task.id })).subtasks.map((s) => s.id)).toEqual([first.id, second.id]);
  });

  it("waits for a subtask through the live layer until it settles, or until its timeout", async () => {
    const { token } = await taskWithToken();
    const scoped = callerWith(token).mcp;
    const sub = await scoped.createSubtask({ prompt: "to be cancelled" });
    const timedOut = await scoped.waitForTask({ id: sub.id, timeoutSeconds: 1 });
    expect(timedOut).toMatchObject({ timedOut: true, task: { id: sub.id, state: "queued" } });

    const waiting = scoped.waitForTask({ id: sub.id, timeoutSeconds: 60 });
    await api().task.cancel({ id: sub.id });
    expect(await waiting).toMatchObject({ timedOut: false, task: { id: sub.id, state: "cancelled" } });
  });

  it("stops working when its task ends, and when a newer token replaces it", async () => {
    const { task, token } = await taskWithToken();
    await expect(callerWith(token).mcp.listTasks()).resolves.toMatchObject({ task: { id: task.id } });
    const newer = await issueTaskToken(services.pool, task.id);
    await expect(callerWith(token).mcp.listTasks()).rejects.toMatchObject({ code: "UNAUTHORIZED", message: expect.stringMatching(/replaced/) });
    await expect(callerWith(newer).mcp.listTasks()).resolves.toMatchObject({ task: { id: task.id } });

    await api().task.cancel({ id: task.id });
    await expect(callerWith(newer).mcp.listTasks()).rejects.toMatchObject({ code: "UNAUTHORIZED", message: `Task ${task.id} has ended (cancelled); the token scoped to it no longer works.` });
    const { rows } = await services.pool.query<{ hash: string }>(`select hash from task_token where task_id = $1`, [task.id]);
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(rows)).not.toContain(newer.slice("wharf_task_".length));
  });
});

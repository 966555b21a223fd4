import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRouter, createCallerFactory, createServices, createTRPCContext, type Services } from "@wharf/api";
import { createTestDatabase, type TestDatabase } from "@wharf/db/testing";
import { makeRepo } from "./testing/git-fixture";
import { wharfMcpServer } from "./wharf-mcp";

const TOKEN = "wharf_runner_mcp_test_token_0123456789abcd";
let db: TestDatabase;
let services: Services;
let taskId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  services = await createServices({ databaseUrl: db.url, poolSize: 2 });
  const api = createCallerFactory(appRouter)(createTRPCContext({ services, headers: new Headers({ authorization: `Bearer ${TOKEN}` }), accessToken: TOKEN }));
  await api.agent.upsert({ id: "plain", name: "Plain", transport: "acp", command: process.execPath, args: ["agent.js"] });
  const project = await api.project.create({ path: makeRepo() });
  taskId = (await api.task.create({ projectId: project.id, agentId: "plain", prompt: "split it" })).id;
}, 60_000);
afterAll(async () => {
  await services?.close();
  await db?.drop();
});

const tokens = async () => (await services.pool.query<{ hash: string; revoked: boolean }>(`select hash, revoked_at is not null as revoked from task_token where task_id = $1 order by created_at`, [taskId])).rows;

describe("Wharf's MCP server for a session", () => {
  it("is a stdio server running `wharf mcp` with the web's address and a new token scoped to the task, of which only the hash is stored", async () => {
    const first = await wharfMcpServer(services.pool, { url: "http://127.0.0.1:7777", sandboxed: true }, { id: taskId, network: true });
    if (!("server" in first)) throw new Error(first.problem);
    const { server } = first;
    expect(server).toMatchObject({ type: "stdio", name: "wharf", command: process.execPath });
    if (server.type !== "stdio") throw new Error("not stdio");
    expect(server.args[0]).toMatch(/apps\/cli\/bin\/wharf\.mjs$/);
    expect(server.args[1]).toBe("mcp");
    expect(server.env.WHARF_URL).toBe("http://127.0.0.1:7777");
    const token = server.env.WHARF_TASK_TOKEN!;
    expect(await tokens()).toEqual([{ hash: createHash("sha256").update(token).digest("hex"), revoked: false }]);

    // A new session's server gets a new token; the earlier one is revoked.
    const second = await wharfMcpServer(services.pool, { url: "http://127.0.0.1:7777", sandboxed: false }, { id: taskId, network: false });
    expect("server" in second && second.server.type === "stdio" && second.server.env.WHARF_TASK_TOKEN).not.toBe(token);
    expect((await tokens()).map((t) => t.revoked)).toEqual([true, false]);
  });

  it("is not given, saying why, without the web's address or without network in the sandbox; no token is made", async () => {
    const before = (await tokens()).length;
    expect(await wharfMcpServer(services.pool, { url: undefined, sandboxed: false }, { id: taskId, network: true })).toEqual({ problem: expect.stringMatching(/WHARF_URL/) });
    expect(await wharfMcpServer(services.pool, { url: "http://127.0.0.1:7777", sandboxed: true }, { id: taskId, network: false })).toEqual({
      problem: expect.stringMatching(/sandbox has no network/),
    });
    expect(await tokens()).toHaveLength(before);
  });
});

import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ZodError } from "zod";
import { createTestDatabase, type TestDatabase } from "@wharf/db/testing";
import { testAgentBin as scriptedAgent } from "@wharf/test-agent";
import { syncBuiltinAgents } from "./agents/sync";
import { appRouter } from "./root";
import { createServices, type Services } from "./services";
import { createCallerFactory, createTRPCContext } from "./trpc";

const TOKEN = "wharf_agent_test_token_0123456789abcdefghij";
const SECRET = "sk-very-secret-value-4f1c9e";
const SECRET_2 = "second-secret-value-77aa21";

let db: TestDatabase;
let services: Services;
/** Every response and every error message, to check that no secret value ever leaves the API. */
const seen: string[] = [];
const logged: string[] = [];
const spies = (["log", "info", "warn", "error", "debug"] as const).map((level) =>
  vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
    logged.push(args.map((a) => (a instanceof Error ? `${a.message} ${a.stack} ${String(a.cause)}` : typeof a === "string" ? a : JSON.stringify(a))).join(" "));
  }),
);

const rawApi = () => createCallerFactory(appRouter)(createTRPCContext({ services, headers: new Headers({ authorization: `Bearer ${TOKEN}` }), accessToken: TOKEN }));
/** The caller, recording what each call returns or throws. */
async function call<T>(fn: (api: ReturnType<typeof rawApi>) => Promise<T>): Promise<T> {
  try {
    const result = await fn(rawApi());
    seen.push(JSON.stringify(result));
    return result;
  } catch (error) {
    seen.push(JSON.stringify({ message: (error as Error).message, cause: String((error as Error).cause) }));
    throw error;
  }
}

const custom = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  name: `Custom ${id}`,
  transport: "acp" as const,
  command: process.execPath,
  args: [scriptedAgent],
  env: { AGENT_LOG_LEVEL: "debug" },
  ...extra,
});

beforeAll(async () => {
  db = await createTestDatabase();
  services = await createServices({ databaseUrl: db.url, poolSize: 4 });
  await syncBuiltinAgents(services.pool, [
    { id: "builtin-present", name: "Present", transport: "acp", launch: [{ command: process.execPath, args: [scriptedAgent] }] },
    { id: "builtin-missing", name: "Missing", transport: "acp", launch: [{ command: "no-such-agent-cli-xyz", args: ["acp"] }], install: "npm i -g no-such" },
  ]);
});
afterAll(async () => {
  for (const spy of spies) spy.mockRestore();
  await services?.close();
  await db?.drop();
});

describe("agent.list and agent.get", () => {
  it("lists built-ins with what was detected", async () => {
    const agents = await call((api) => api.agent.list());
    expect(agents.find((a) => a.id === "builtin-present")).toMatchObject({ builtin: true, available: true, version: "0.1.0", detectError: null, secretEnvKeys: [], taskCount: 0 });
    expect(agents.find((a) => a.id === "builtin-missing")).toMatchObject({
      builtin: true,
      available: false,
      version: null,
      detectError: "no-such-agent-cli-xyz was not found on PATH. Install: npm i -g no-such",
    });
  });

  it("answers what the agent reported, read with the runner's schema, and null for a shape it cannot read", async () => {
    const set = (value: unknown) => services.pool.query(`update agent set capabilities = $2 where id = $1`, ["builtin-present", JSON.stringify(value)]);
    await set({ modes: [{ id: "ask", name: "Ask" }], defaultMode: "ask", commands: [{ name: "test" }] });
    expect((await call((api) => api.agent.get({ id: "builtin-present" }))).capabilities).toEqual({
      modes: [{ id: "ask", name: "Ask" }],
      defaultMode: "ask",
      commands: [{ name: "test", description: "" }],
    });
    await set({ modes: "x" });
    expect((await call((api) => api.agent.get({ id: "builtin-present" }))).capabilities).toBeNull();
    await set({});
  });

  it("answers NOT_FOUND for an unknown agent", async () => {
    await expect(call((api) => api.agent.get({ id: "nobody" }))).rejects.toMatchObject({ code: "NOT_FOUND", message: expect.stringContaining('Agent "nobody" does not exist') });
  });
});

describe("agent.upsert", () => {
  it("adds a custom agent, detects it, and names its secrets without their values", async () => {
    const created = await call((api) => api.agent.upsert({ ...custom("my-agent"), secretEnv: { API_KEY: SECRET, OTHER_KEY: SECRET_2 }, expect: "new" }));
    expect(created).toMatchObject({ id: "my-agent", builtin: false, available: true, version: "0.1.0", env: { AGENT_LOG_LEVEL: "debug" }, secretEnvKeys: ["API_KEY", "OTHER_KEY"] });
    expect(created).not.toHaveProperty("secretEnv");
    await expect(call((api) => api.agent.get({ id: "my-agent" }))).resolves.toMatchObject({ secretEnvKeys: ["API_KEY", "OTHER_KEY"] });
    // Stored for the runner, which passes them to the agent.
    const { rows } = await services.pool.query(`select secret_env from agent where id = 'my-agent'`);
    expect(rows[0].secret_env).toEqual({ API_KEY: SECRET, OTHER_KEY: SECRET_2 });
  });

  it("changes secrets one by one: a value replaces, null removes, unnamed ones stay", async () => {
    const updated = await call((api) => api.agent.upsert({ ...custom("my-agent"), secretEnv: { OTHER_KEY: null, THIRD_KEY: "third-secret-value" }, expect: "existing" }));
    expect(updated.secretEnvKeys).toEqual(["API_KEY", "THIRD_KEY"]);
    // Omitting secretEnv keeps every secret.
    const kept = await call((api) => api.agent.upsert({ ...custom("my-agent"), name: "Renamed" }));
    expect(kept).toMatchObject({ name: "Renamed", secretEnvKeys: ["API_KEY", "THIRD_KEY"] });
    const { rows } = await services.pool.query(`select secret_env from agent where id = 'my-agent'`);
    expect(rows[0].secret_env).toEqual({ API_KEY: SECRET, THIRD_KEY: "third-secret-value" });
  });

  it("refuses an id that is taken when adding, and a missing one when editing", async () => {
    await expect(call((api) => api.agent.upsert({ ...custom("my-agent"), expect: "new" }))).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringContaining('An agent with the id "my-agent" already exists'),
    });
    await expect(call((api) => api.agent.upsert({ ...custom("never-made"), expect: "existing" }))).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("refuses to change a built-in's command, but takes its environment and secrets", async () => {
    await expect(call((api) => api.agent.upsert({ ...custom("builtin-present"), command: "/bin/sh", args: ["-c", "echo pwned"] }))).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: expect.stringContaining("is built in"),
    });
    const { rows } = await services.pool.query(`select command, args, builtin from agent where id = 'builtin-present'`);
    expect(rows[0]).toEqual({ command: process.execPath, args: [scriptedAgent], builtin: true });

    const withKey = await call((api) => api.agent.upsert({ ...custom("builtin-present"), name: "Present", env: { MODE: "fast" }, secretEnv: { API_KEY: SECRET } }));
    expect(withKey).toMatchObject({ builtin: true, env: { MODE: "fast" }, secretEnvKeys: ["API_KEY"] });
    // A runner restart refreshes the launch command and keeps the person's settings.
    await syncBuiltinAgents(services.pool, [{ id: "builtin-present", name: "Present", transport: "acp", launch: [{ command: process.execPath, args: [scriptedAgent] }] }]);
    await expect(call((api) => api.agent.get({ id: "builtin-present" }))).resolves.toMatchObject({ builtin: true, env: { MODE: "fast" }, secretEnvKeys: ["API_KEY"] });
  });

  it("says which field is wrong, without echoing secret values", async () => {
    const bad = [
      { input: { ...custom("Bad Id") }, path: "id" },
      { input: { ...custom("x"), command: "  " }, path: "command" },
      { input: { ...custom("x"), env: { "1BAD": "v" } }, path: "env.1BAD" },
      { input: { ...custom("x"), secretEnv: { "BAD-NAME": SECRET } }, path: "secretEnv.BAD-NAME" },
      { input: { ...custom("x"), secretEnv: { WHARF_TOKEN: SECRET } }, path: "secretEnv.WHARF_TOKEN" },
      { input: { ...custom("x"), env: { API_KEY: "plain" }, secretEnv: { API_KEY: SECRET } }, path: "secretEnv.API_KEY" },
      { input: { ...custom("x"), transport: "telnet" }, path: "transport" },
    ];
    for (const { input, path } of bad) {
      const error = await call((api) => api.agent.upsert(input as never)).then(
        () => null,
        (e: unknown) => e as { code: string; cause?: unknown },
      );
      expect(error, JSON.stringify(input)).toMatchObject({ code: "BAD_REQUEST" });
      // The issues carry the field's path (the web form shows each message next to its field).
      expect(error!.cause, JSON.stringify(input)).toBeInstanceOf(ZodError);
      expect((error!.cause as ZodError).issues.map((i) => i.path.join(".")), JSON.stringify(input)).toContain(path);
    }
    // A plain variable may not shadow a stored secret of the same name.
    await expect(call((api) => api.agent.upsert({ ...custom("my-agent"), env: { API_KEY: "plain" } }))).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("env.API_KEY") });
  });
});

describe("agent.detect", () => {
  it("detects one agent again, and says why a changed command is missing", async () => {
    await services.pool.query(`update agent set command = '/nowhere/agent-cli' where id = 'my-agent'`);
    const [one, ...rest] = await call((api) => api.agent.detect({ id: "my-agent" }));
    expect(rest).toEqual([]);
    expect(one).toMatchObject({ id: "my-agent", available: false, version: null, detectError: "/nowhere/agent-cli does not exist or is not executable." });
    await expect(call((api) => api.agent.detect({ id: "nobody" }))).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("detects all agents", async () => {
    const before = new Date();
    const all = await call((api) => api.agent.detect({ all: true }));
    expect(all.map((a) => a.id).sort()).toEqual(["builtin-missing", "builtin-present", "my-agent"]);
    for (const agent of all) expect(agent.detectedAt!.getTime()).toBeGreaterThanOrEqual(before.getTime() - 5);
  });
});

describe("agent.delete", () => {
  it("deletes an unused custom agent, refuses built-ins and agents that tasks use", async () => {
    await call((api) => api.agent.upsert({ ...custom("used-agent"), secretEnv: { API_KEY: SECRET } }));
    const { rows: p } = await services.pool.query(`insert into project (id, name, repo_path, base_branch, updated_at) values (gen_random_uuid(), 'p', $1, 'main', now()) returning id`, [`/tmp/agent-test-${Date.now()}`]);
    await services.pool.query(`insert into task (id, project_id, agent_id, prompt, state, updated_at) values (gen_random_uuid(), $1, 'used-agent', 'x', 'completed', now())`, [p[0].id]);

    await expect(call((api) => api.agent.delete({ id: "used-agent" }))).rejects.toMatchObject({
      code: "PRECONDITION_FAILED",
      message: "Custom used-agent is used by 1 task and cannot be deleted: they keep their agent for follow-ups. Edit it instead.",
    });
    await expect(call((api) => api.agent.get({ id: "used-agent" }))).resolves.toMatchObject({ taskCount: 1 });
    await expect(call((api) => api.agent.delete({ id: "builtin-present" }))).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(call((api) => api.agent.delete({ id: "my-agent" }))).resolves.toEqual({ id: "my-agent", deleted: true });
    await expect(call((api) => api.agent.get({ id: "my-agent" }))).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});

describe("secrets", () => {
  it("never appear in a response, an error or a log line", () => {
    expect(seen.length).toBeGreaterThan(20);
    // The check itself can fail: the database holds the values the responses must not.
    expect(seen.some((text) => text.includes("API_KEY"))).toBe(true);
    for (const text of [...seen, ...logged]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(SECRET_2);
      expect(text).not.toContain("third-secret-value");
    }
  });
});

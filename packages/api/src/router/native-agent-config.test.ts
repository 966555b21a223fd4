import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@wharf/db/testing";
import { appRouter } from "../root";
import { createServices, type Services } from "../services";
import { createCallerFactory, createTRPCContext } from "../trpc";

const TOKEN = "wharf_api_test_token_0123456789abcdefghij";
let db: TestDatabase;
let services: Services;
const api = () => createCallerFactory(appRouter)(createTRPCContext({ services, headers: new Headers({ authorization: `Bearer ${TOKEN}` }), accessToken: TOKEN }));

beforeAll(async () => {
  db = await createTestDatabase();
  services = await createServices({ databaseUrl: db.url, poolSize: 2 });
});
afterAll(async () => {
  await services?.close();
  await db?.drop();
});

const native = { id: "local-llm", name: "Local LLM", transport: "native" as const };

describe("agent.upsert for native agents", () => {
  it("stores a native agent as the built-in command, keeps the key write-only", async () => {
    const saved = await api().agent.upsert({
      ...native,
      command: "ignored",
      args: ["--also-ignored"],
      env: { WHARF_NATIVE_BASE_URL: "http://127.0.0.1:11434/v1", WHARF_NATIVE_MODEL: "qwen2.5-coder:7b" },
      secretEnv: { WHARF_NATIVE_API_KEY: "sk-local" },
    });
    expect(saved).toMatchObject({ transport: "native", command: "wharf-native-agent", args: [], env: { WHARF_NATIVE_MODEL: "qwen2.5-coder:7b" } });
    expect(JSON.stringify(saved)).not.toContain("sk-local");
    const { rows } = await services.pool.query(`select secret_env from agent where id = $1`, [native.id]);
    expect(rows[0]?.secret_env).toEqual({ WHARF_NATIVE_API_KEY: "sk-local" });
  });

  it("needs no command for a native agent, and still needs one for others", async () => {
    await expect(api().agent.upsert({ ...native, env: { WHARF_NATIVE_BASE_URL: "https://llm.example/v1", WHARF_NATIVE_MODEL: "m" } })).resolves.toMatchObject({ command: "wharf-native-agent" });
    await expect(api().agent.upsert({ id: "no-command", name: "No command", transport: "acp" })).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("Give the command that starts the agent.") });
  });

  it("says what is missing or wrong in a native agent's settings", async () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ WHARF_NATIVE_MODEL: "m" }, /needs WHARF_NATIVE_BASE_URL .*e\.g\. http:\/\/127\.0\.0\.1:11434\/v1/],
      [{ WHARF_NATIVE_BASE_URL: "127.0.0.1:11434", WHARF_NATIVE_MODEL: "m" }, /needs WHARF_NATIVE_BASE_URL/],
      [{ WHARF_NATIVE_BASE_URL: "file:///etc/passwd", WHARF_NATIVE_MODEL: "m" }, /http\(s\) base URL/],
      [{ WHARF_NATIVE_BASE_URL: "http://user:pw@127.0.0.1/v1", WHARF_NATIVE_MODEL: "m" }, /must not carry credentials/],
      [{ WHARF_NATIVE_BASE_URL: "http://127.0.0.1/v1", WHARF_NATIVE_MODEL: " " }, /needs WHARF_NATIVE_MODEL/],
      [{ WHARF_NATIVE_BASE_URL: "http://127.0.0.1/v1", WHARF_NATIVE_MODEL: " , " }, /needs WHARF_NATIVE_MODEL/],
      [{ WHARF_NATIVE_BASE_URL: "http://127.0.0.1/v1", WHARF_NATIVE_MODEL: "m", WHARF_NATIVE_API_KEY: "sk" }, /WHARF_NATIVE_API_KEY is a secret: move it/],
    ];
    for (const [env, message] of cases) {
      await expect(api().agent.upsert({ ...native, id: "bad-native", env }), JSON.stringify(env)).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(message) });
    }
    expect((await services.pool.query(`select id from agent where id = $1`, ["bad-native"])).rows).toEqual([]);
  });

  it("checks the endpoint again when a native agent's base URL changes, and forgets its reported models when they change", async () => {
    const id = "moving-native";
    const env = { WHARF_NATIVE_BASE_URL: "http://127.0.0.1:9/v1", WHARF_NATIVE_MODEL: "m" };
    const first = await api().agent.upsert({ ...native, id, env });
    expect(first.detectError).toContain("http://127.0.0.1:9/v1/models");
    // Another model only: the endpoint is the same, nothing to check.
    await services.pool.query(`update agent set capabilities = $2 where id = $1`, [id, { models: [{ id: "m", name: "m" }] }]);
    const same = await api().agent.upsert({ ...native, id, env: { ...env, WHARF_NATIVE_MODEL: "m2" } });
    expect(same.detectedAt).toEqual(first.detectedAt);
    // …but the models it reported are no longer the ones it offers.
    expect(same.capabilities).toEqual({});
    const moved = await api().agent.upsert({ ...native, id, env: { ...env, WHARF_NATIVE_BASE_URL: "http://127.0.0.1:7/v1" } });
    expect(moved.detectError).toContain("http://127.0.0.1:7/v1/models");
  });

  it("lets an agent that stops being native drop its API key, and refuses to set one", async () => {
    const id = "was-native";
    await api().agent.upsert({ ...native, id, env: { WHARF_NATIVE_BASE_URL: "http://127.0.0.1:9/v1", WHARF_NATIVE_MODEL: "m" }, secretEnv: { WHARF_NATIVE_API_KEY: "sk-x" } });
    await expect(api().agent.upsert({ id, name: "Now ACP", transport: "acp", command: "node", secretEnv: { WHARF_NATIVE_API_KEY: "sk-y" } })).rejects.toMatchObject({
      message: expect.stringContaining("reserved for Wharf"),
    });
    const acp = await api().agent.upsert({ id, name: "Now ACP", transport: "acp", command: "node", secretEnv: { WHARF_NATIVE_API_KEY: null } });
    expect(acp).toMatchObject({ transport: "acp", secretEnvKeys: [], env: {} });
  });
});

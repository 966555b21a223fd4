import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { createTestDatabase, type TestDatabase } from "@wharf/db/testing";
import { testAgentBin } from "@wharf/test-agent";
import { appRouter } from "./root";
import { createServices, type Services } from "./services";
import { createCallerFactory, createTRPCContext } from "./trpc";

const TOKEN = "wharf_mcp_test_token_0123456789abcdefghijk";
const ENV_SECRET = "ghp_mcp-env-secret-5b2e91";
const HEADER_SECRET = "Bearer mcp-header-secret-0c7d44";
const NEW_SECRET = "mcp-replaced-secret-93ab10";

let db: TestDatabase;
let services: Services;
/** Every response and error message, to check that no secret value leaves the API. */
const seen: string[] = [];

const rawApi = () => createCallerFactory(appRouter)(createTRPCContext({ services, headers: new Headers({ authorization: `Bearer ${TOKEN}` }), accessToken: TOKEN }));
async function call<T>(fn: (api: ReturnType<typeof rawApi>) => Promise<T>): Promise<T> {
  try {
    const result = await fn(rawApi());
    seen.push(JSON.stringify(result));
    return result;
  } catch (error) {
    seen.push(JSON.stringify({ message: (error as Error).message }));
    throw error;
  }
}

function makeRepo(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "wharf-mcp-repo-"));
  const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, stdio: "ignore" });
  git("init", "-q", "-b", "main");
  writeFileSync(path.join(dir, "README.md"), "# mcp\n");
  git("add", ".");
  git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "init");
  return dir;
}

const stdio = { type: "stdio" as const, name: "files", command: "/usr/bin/mcp-files", args: ["--root", "."], env: { GITHUB_TOKEN: ENV_SECRET } };
const http = { type: "http" as const, name: "search", url: "https://mcp.example.com/mcp", headers: { Authorization: HEADER_SECRET } };

beforeAll(async () => {
  db = await createTestDatabase();
  services = await createServices({ databaseUrl: db.url, poolSize: 2 });
});
afterAll(async () => {
  await services?.close();
  await db?.drop();
});

async function storedProjectServers(id: string): Promise<unknown> {
  const { rows } = await services.pool.query<{ mcp_servers: unknown }>(`select mcp_servers from project where id = $1`, [id]);
  return rows[0]?.mcp_servers;
}

describe("MCP servers of a project", () => {
  it("stores them with their secrets, returns only the names, and keeps a secret sent as null", async () => {
    const project = await call((api) => api.project.create({ path: makeRepo() }));
    expect(project.mcpServers).toEqual([]);

    const updated = await call((api) => api.project.update({ id: project.id, mcpServers: [stdio, http] }));
    expect(updated.mcpServers).toEqual([
      { type: "stdio", name: "files", command: "/usr/bin/mcp-files", args: ["--root", "."], envKeys: ["GITHUB_TOKEN"] },
      { type: "http", name: "search", url: "https://mcp.example.com/mcp", headerNames: ["Authorization"] },
    ]);
    expect(await storedProjectServers(project.id)).toEqual([stdio, http]);

    // null keeps the stored value; a new value replaces it; a server left out is removed.
    await call((api) =>
      api.project.update({ id: project.id, mcpServers: [{ ...stdio, env: { GITHUB_TOKEN: null, EXTRA: NEW_SECRET } }] }),
    );
    expect(await storedProjectServers(project.id)).toEqual([{ ...stdio, env: { GITHUB_TOKEN: ENV_SECRET, EXTRA: NEW_SECRET } }]);

    // A stdio server's env is kept only while its command stays the same.
    await expect(call((api) => api.project.update({ id: project.id, mcpServers: [{ ...stdio, command: "/tmp/other", env: { GITHUB_TOKEN: null } }] }))).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("no value is stored for GITHUB_TOKEN"),
    });

    // Other updates leave them alone.
    await call((api) => api.project.update({ id: project.id, name: "renamed" }));
    expect((await call((api) => api.project.get({ id: project.id }))).mcpServers).toEqual([
      { type: "stdio", name: "files", command: "/usr/bin/mcp-files", args: ["--root", "."], envKeys: ["EXTRA", "GITHUB_TOKEN"] },
    ]);
    await call((api) => api.project.list());
    for (const text of seen) {
      for (const secret of [ENV_SECRET, HEADER_SECRET, NEW_SECRET]) expect(text).not.toContain(secret);
    }
  });

  it("refuses bad lists with errors that say what to fix, and stores nothing", async () => {
    const project = await call((api) => api.project.create({ path: makeRepo() }));
    await call((api) => api.project.update({ id: project.id, mcpServers: [http] }));
    const bad: Array<[unknown, RegExp]> = [
      [[stdio, { ...http, name: "files" }], /Two MCP servers are named "files"; names must be unique/],
      [[{ ...http, url: "ftp://x.example.com" }], /An http\(s\) URL/],
      [[{ ...http, url: "not a url" }], /An http\(s\) URL/],
      [[{ ...stdio, command: " " }], /Give the command that starts the MCP server/],
      [[{ ...stdio, name: "has space" }], /An MCP server's name is letters, digits/],
      [[{ ...stdio, env: { "1BAD": "x" } }], /Environment variable names are letters, digits and _/],
      [[{ ...http, headers: { "Bad Header": "x" } }], /A header name is letters, digits and -/],
      [[{ ...http, headers: { "X-A": "a\r\nInjected: 1" } }], /cannot hold a line break/],
      [[{ ...http, type: "websocket" }], /type is "stdio", "http" or "sse"/],
      [Array.from({ length: 21 }, (_, i) => ({ ...stdio, name: `s${i}` })), /At most 20 MCP servers/],
      // null keeps a stored value only: this server has none for X-New.
      [[{ ...http, headers: { Authorization: null, "X-New": null } }], /mcpServers\.0\.headers\.X-New: no value is stored for X-New; give one/],
      // A stored value is kept only for the same transport and url: it never goes anywhere else.
      [[{ type: "sse", name: "search", url: "https://mcp.example.com/mcp", headers: { Authorization: null } }], /no value is stored for Authorization/],
      [[{ ...http, url: "https://elsewhere.example.com/mcp", headers: { Authorization: null } }], /while the server's type and url stay the same/],
    ];
    for (const [mcpServers, message] of bad) {
      const error = await call((api) => api.project.update({ id: project.id, mcpServers: mcpServers as never })).then(
        () => undefined,
        (e: unknown) => e as { code: string; message: string; cause?: unknown },
      );
      expect(error?.code, String(message)).toBe("BAD_REQUEST");
      // A validation error's messages are its issues'; the others are the error's own.
      const messages = error?.cause instanceof ZodError ? error.cause.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("\n") : error?.message;
      expect(messages).toMatch(message);
    }
    expect(await storedProjectServers(project.id)).toEqual([http]);
    for (const text of seen) expect(text).not.toContain(HEADER_SECRET);
  });
});

describe("MCP servers of an agent", () => {
  const agent = (extra: Record<string, unknown> = {}) => ({ id: "with-mcp", name: "With MCP", transport: "acp" as const, command: process.execPath, args: [testAgentBin], ...extra });

  it("stores them write-only through agent.upsert; an upsert without the field keeps them", async () => {
    const created = await call((api) => api.agent.upsert(agent({ mcpServers: [http, stdio] })));
    expect(created.mcpServers).toEqual([
      { type: "http", name: "search", url: "https://mcp.example.com/mcp", headerNames: ["Authorization"] },
      { type: "stdio", name: "files", command: "/usr/bin/mcp-files", args: ["--root", "."], envKeys: ["GITHUB_TOKEN"] },
    ]);
    await call((api) => api.agent.upsert(agent({ name: "Renamed" })));
    await call((api) => api.agent.upsert(agent({ mcpServers: [{ ...http, headers: { Authorization: null } }] })));
    const { rows } = await services.pool.query<{ mcp_servers: unknown }>(`select mcp_servers from agent where id = 'with-mcp'`);
    expect(rows[0]?.mcp_servers).toEqual([http]);
    await expect(call((api) => api.agent.upsert(agent({ mcpServers: [http, { ...http }] })))).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/names must be unique/) });
    const listed = await call((api) => api.agent.list());
    expect(listed.find((a) => a.id === "with-mcp")?.mcpServers).toEqual([{ type: "http", name: "search", url: "https://mcp.example.com/mcp", headerNames: ["Authorization"] }]);
    for (const text of seen) {
      for (const secret of [ENV_SECRET, HEADER_SECRET]) expect(text).not.toContain(secret);
    }
  });
});

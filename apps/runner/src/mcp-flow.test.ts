import { readFileSync } from "node:fs";
import path from "node:path";
import { testAgentBin } from "@wharf/test-agent";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeRepo } from "./testing/git-fixture";
import { startStack, type Stack } from "./testing/stack";

const ENV_SECRET = "mcp-env-secret-a81f0c";
const HEADER_SECRET = "Bearer mcp-header-secret-6d21e7";
const AGENT_SECRET = "mcp-agent-secret-39be55";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
}, 60_000);
afterAll(async () => {
  await stack?.stop();
}, 30_000);

/**
 * The test agent as a custom agent that advertises `mcp` (its MCP transports beyond stdio) and
 * records what session/new gave it. The scenario is the one it starts with (the profile is read
 * only from that), passed by `env` since WHARF_* variables are Wharf's own.
 */
async function recordingAgent(id: string, mcp: { http: boolean; sse: boolean }, mcpServers: unknown[]) {
  const scenario = { agent: { mcp }, steps: [{ type: "record", path: "mcp-record.json" }] };
  await stack.api.agent.upsert({
    id,
    name: `MCP ${id}`,
    transport: "acp",
    command: "/usr/bin/env",
    args: [`WHARF_SCENARIO=${JSON.stringify(scenario)}`, process.execPath, testAgentBin],
    mcpServers: mcpServers as never,
  });
}

const projectServers = [
  { type: "stdio", name: "files", command: "/usr/bin/mcp-files", args: ["--root", "."], env: { FILES_TOKEN: ENV_SECRET } },
  { type: "http", name: "search", url: "https://mcp.example.com/mcp", headers: { Authorization: HEADER_SECRET } },
  { type: "sse", name: "events", url: "https://mcp.example.com/sse", headers: {} },
] as const;

async function runTask(agentId: string) {
  const project = await stack.api.project.create({ path: makeRepo() });
  await stack.api.project.update({ id: project.id, mcpServers: projectServers as never });
  const created = await stack.api.task.create({ projectId: project.id, agentId, prompt: "record what you were given" });
  const task = await stack.waitForState(created.id, ["review", "completed", "failed"]);
  expect(task.state, task.error ?? "").toBe("review");
  const record = JSON.parse(readFileSync(path.join(task.worktreePath!, "mcp-record.json"), "utf8")) as { mcpServers: unknown[] };
  const events = await stack.events(created.id);
  return { record, events };
}

describe("MCP servers in session/new", () => {
  it("gives an agent that takes http the project's servers and its own, in ACP's shapes, its own winning on a name", async () => {
    await recordingAgent("mcp-http", { http: true, sse: false }, [
      { type: "stdio", name: "files", command: "/opt/agent-files", args: [], env: { AGENT_TOKEN: AGENT_SECRET } },
    ]);
    const { record, events } = await runTask("mcp-http");
    expect(record.mcpServers).toEqual([
      { type: "http", name: "search", url: "https://mcp.example.com/mcp", headers: [{ name: "Authorization", value: HEADER_SECRET }] },
      { name: "files", command: "/opt/agent-files", args: [], env: [{ name: "AGENT_TOKEN", value: AGENT_SECRET }] },
    ]);
    // The sse server is not taken by this agent: the task says so, and no secret is in an event.
    const errors = events.flatMap((e) => (e.event.type === "error" ? [e.event.message] : []));
    expect(errors).toEqual([`MCP server "events" was not given to MCP mcp-http: it is an sse server, and the agent takes only stdio and http MCP servers.`]);
    const text = JSON.stringify(events);
    for (const secret of [ENV_SECRET, HEADER_SECRET, AGENT_SECRET]) expect(text).not.toContain(secret);
  }, 60_000);

  it("gives an agent that takes only stdio the stdio servers, and reports each http and sse one on the task", async () => {
    await recordingAgent("mcp-stdio", { http: false, sse: false }, []);
    const { record, events } = await runTask("mcp-stdio");
    expect(record.mcpServers).toEqual([{ name: "files", command: "/usr/bin/mcp-files", args: ["--root", "."], env: [{ name: "FILES_TOKEN", value: ENV_SECRET }] }]);
    const errors = events.flatMap((e) => (e.event.type === "error" ? [e.event.message] : []));
    expect(errors).toEqual([
      `MCP server "search" was not given to MCP mcp-stdio: it is an http server, and the agent takes only stdio MCP servers.`,
      `MCP server "events" was not given to MCP mcp-stdio: it is an sse server, and the agent takes only stdio MCP servers.`,
    ]);
    const text = JSON.stringify(events);
    for (const secret of [ENV_SECRET, HEADER_SECRET]) expect(text).not.toContain(secret);
  }, 60_000);
});

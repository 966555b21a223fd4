import { agentCapabilitiesSchema, type AgentCapabilities } from "@wharf/api/schemas";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CapabilityStore } from "./agent-capabilities";
import { agentsToProbe, probeAgent, probeUnknownAgents } from "./agent-probe";
import { createTransports } from "./agents/registry";
import { createLogger } from "./logger";
import { makeRepo } from "./testing/git-fixture";
import { scenario } from "./testing/hanging-agent";
import { startStack, type Stack } from "./testing/stack";

let stack: Stack;
beforeAll(async () => {
  // The start-up probe is off here so that every capability seen below comes from the step under test.
  stack = await startStack({ runnerEnv: { WHARF_AGENT_PROBE_MS: "0" } });
}, 60_000);
afterAll(async () => {
  await stack?.stop();
}, 30_000);

const log = createLogger("test-probe");
/** As the runner's probe has them: no warm agents. */
const { transportFor } = createTransports();

async function capabilities(agentId: string): Promise<{ capabilities: AgentCapabilities; version: string | null }> {
  const agent = (await stack.api.agent.list()).find((a) => a.id === agentId);
  if (!agent) throw new Error(`no agent ${agentId}`);
  return { capabilities: agentCapabilitiesSchema.parse(agent.capabilities), version: agent.version };
}

async function forget(agentId: string) {
  await stack.services.pool.query(`update agent set capabilities = '{}'::jsonb, version = null where id = $1`, [agentId]);
}

const scriptedReport = {
  agentName: "Wharf test agent",
  agentVersion: "0.1.0",
  loadSession: true,
  modes: [
    { id: "ask", name: "Ask", description: "Answer questions without changing files" },
    { id: "code", name: "Code", description: "Edit files and run commands" },
  ],
  defaultMode: "code",
  models: [
    { id: "test-small", name: "test-small" },
    { id: "test-large", name: "test-large" },
  ],
  defaultModel: "test-small",
  commands: [
    { name: "review", description: "Review the current change" },
    { name: "test", description: "Run the tests", hint: "test name filter" },
  ],
};

describe("agent capabilities", () => {
  it("a run caches the agent's modes, models and commands, and the chosen mode reaches the agent", async () => {
    await forget("scripted");
    const repo = makeRepo();
    const project = await stack.api.project.create({ path: repo });
    const created = await stack.api.task.create({
      projectId: project.id,
      agentId: "scripted",
      mode: "ask",
      model: "test-large",
      prompt: scenario({ steps: [{ type: "text", text: "Working in mode {{mode}} with {{model}}." }] }),
    });
    await stack.waitForState(created.id, ["completed"]);
    const events = (await stack.events(created.id)).map((e) => e.event);
    expect(events).toContainEqual({ type: "mode", modeId: "ask" });
    const said = events.flatMap((e) => (e.type === "message" && e.role === "agent" ? [e.text] : [])).join("");
    expect(said).toBe("Working in mode ask with test-large.");

    const { capabilities: caps, version } = await capabilities("scripted");
    expect(caps).toMatchObject(scriptedReport);
    // The task's choice is not mistaken for the agent's default.
    expect(caps.defaultMode).toBe("code");
    expect(caps.configOptions).toEqual([
      expect.objectContaining({ id: "model", category: "model", currentValue: "test-small", options: scriptedReport.models }),
    ]);
    expect(Date.parse(caps.reportedAt!)).toBeGreaterThan(Date.now() - 60_000);
    expect(version).toBe("0.1.0");
  });

  it("the probe asks an agent what it offers, without a task, and leaves nothing behind", async () => {
    await forget("scripted");
    const store = new CapabilityStore(stack.services.pool, log);
    const [scripted] = await agentsToProbe(stack.services.pool, ["scripted"]);
    expect(scripted).toBeDefined();
    const started = Date.now();
    expect(await probeAgent({ store, transportFor, log, timeoutMs: 10_000 }, scripted!)).toEqual({ ok: true });
    expect(Date.now() - started).toBeLessThan(10_000);
    const { capabilities: caps } = await capabilities("scripted");
    expect(caps).toMatchObject(scriptedReport);
    // Known now, so a second round skips it.
    expect(await agentsToProbe(stack.services.pool, ["scripted"])).toEqual([]);
  });

  it("the start-up probe covers every available ACP agent that reported nothing, and skips missing ones", async () => {
    await forget("scripted");
    await forget("acp-example");
    await forget("claude-code");
    const store = new CapabilityStore(stack.services.pool, log);
    const ids = (await agentsToProbe(stack.services.pool)).map((a) => a.id);
    expect(ids).toContain("scripted");
    expect(ids).toContain("acp-example");
    expect(ids).not.toContain("claude-code"); // not installed here: available = false
    await probeUnknownAgents(stack.services.pool, { store, transportFor, log, timeoutMs: 10_000 }, new AbortController().signal);
    expect((await capabilities("scripted")).capabilities.commands?.map((c) => c.name)).toEqual(["review", "test"]);
    const example = (await capabilities("acp-example")).capabilities;
    expect(example.reportedAt).toBeDefined();
    expect(await agentsToProbe(stack.services.pool, ["scripted", "acp-example"])).toEqual([]);
  });

  it("a probe of an agent that never answers ends within its bound and names the agent", async () => {
    const store = new CapabilityStore(stack.services.pool, log);
    const started = Date.now();
    const result = await probeAgent(
      { store, transportFor, log, timeoutMs: 1000 },
      { id: "silent", name: "Silent agent", transport: "acp", command: "sleep", args: ["1000"], env: {} },
    );
    expect(Date.now() - started).toBeLessThan(5000);
    expect(result).toMatchObject({ ok: false, error: expect.stringMatching(/^Agent "Silent agent" did not answer initialize within 1 s/) });
  });

  it("refuses to store reports that break the shape", async () => {
    const store = new CapabilityStore(stack.services.pool, log);
    const before = await capabilities("scripted");
    await store.record("scripted", { modes: [{ id: "", name: "nameless" }] });
    expect(await capabilities("scripted")).toEqual(before);
  });
});

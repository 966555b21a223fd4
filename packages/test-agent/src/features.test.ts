import { readFile, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { methods } from "@agentclientprotocol/sdk";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ScenarioInput } from "./scenario-schema.ts";
import { scenarioPrompt } from "./scenario-source.ts";
import { agentText, openSession, startTestClient, type TestClient } from "./test-client.ts";

let cwd: string;
let testClient: TestClient | undefined;
const stray: number[] = [];

beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), "wharf-test-agent-"));
});
afterEach(async () => {
  await testClient?.close();
  testClient = undefined;
  for (const pid of stray.splice(0)) process.kill(pid, "SIGKILL");
  await rm(cwd, { recursive: true, force: true });
});

async function run(prompt: string, env?: Record<string, string>) {
  testClient = startTestClient({ cwd, env });
  const { sessionId } = await openSession(testClient, cwd);
  const agent = testClient.connection.agent;
  const response = await agent.request(methods.agent.session.prompt, { sessionId, prompt: [{ type: "text", text: prompt }] });
  return { testClient, agent, sessionId, response };
}

describe("sessions", () => {
  it("reports commands after session/new, switches modes and models, and records them", async () => {
    testClient = startTestClient({ cwd });
    const { sessionId, session } = await openSession(testClient, cwd);
    const agent = testClient.connection.agent;
    expect(session.modes?.currentModeId).toBe("code");
    await testClient.waitForUpdate((n) => n.update.sessionUpdate === "available_commands_update");

    await agent.request(methods.agent.session.setMode, { sessionId, modeId: "ask" });
    const modeUpdate = await testClient.waitForUpdate((n) => n.update.sessionUpdate === "current_mode_update");
    expect(modeUpdate.update).toMatchObject({ currentModeId: "ask" });
    const config = await agent.request(methods.agent.session.setConfigOption, { sessionId, configId: "model", value: "test-large" });
    expect(config.configOptions[0]).toMatchObject({ id: "model", currentValue: "test-large" });
    await expect(agent.request(methods.agent.session.setMode, { sessionId, modeId: "nope" })).rejects.toMatchObject({ code: -32602 });

    const prompt = scenarioPrompt({ steps: [{ type: "record", path: "record.json" }] }, "Record what you see.");
    await agent.request(methods.agent.session.prompt, { sessionId, prompt: [{ type: "text", text: prompt }] });

    const record = JSON.parse(await readFile(join(cwd, "record.json"), "utf8"));
    expect(record).toMatchObject({ sessionId, turn: 0, prompt, modeId: "ask", model: "test-large", cwd });
    expect(record.clientCapabilities).toMatchObject({ terminal: true });

    const says = scenarioPrompt({ steps: [{ type: "text", text: "Mode {{mode}}, model {{model}}." }] });
    await agent.request(methods.agent.session.prompt, { sessionId, prompt: [{ type: "text", text: says }] });
    expect(agentText(testClient.updates)).toContain("Mode ask, model test-large.");
  });

  it("loads a session id it handed out, and refuses others", async () => {
    testClient = startTestClient({ cwd });
    const { sessionId } = await openSession(testClient, cwd);
    await testClient.close();

    testClient = startTestClient({ cwd });
    const agent = testClient.connection.agent;
    await agent.request(methods.agent.initialize, { protocolVersion: 1, clientCapabilities: {} });
    const loaded = await agent.request(methods.agent.session.load, { sessionId, cwd, mcpServers: [] });
    expect(loaded.modes?.currentModeId).toBe("code");
    await expect(agent.request(methods.agent.session.load, { sessionId: "other", cwd, mcpServers: [] })).rejects.toMatchObject({
      code: -32002,
    });
    const response = await agent.request(methods.agent.session.prompt, { sessionId, prompt: [{ type: "text", text: "hello" }] });
    expect(response.stopReason).toBe("end_turn");
    expect(agentText(testClient.updates)).toBe("Echo: hello");
  });
});

describe("client requests", () => {
  it("runs a command in a client terminal embedded in a tool call", async () => {
    const { testClient, response } = await run("run-command");

    expect(response.stopReason).toBe("end_turn");
    const call = testClient.updates.find((n) => n.update.sessionUpdate === "tool_call");
    expect(call?.update).toMatchObject({ toolCallId: "run-echo", kind: "execute", content: [{ type: "terminal" }] });
    const done = testClient.updates.find((n) => n.update.sessionUpdate === "tool_call_update");
    expect(done?.update).toMatchObject({ toolCallId: "run-echo", status: "completed", rawOutput: { exitCode: 0 } });
    expect(agentText(testClient.updates)).toContain("hello from the terminal");
  });

  it("kills a terminal command that outlives killAfterMs", async () => {
    const scenario: ScenarioInput = {
      steps: [{ type: "terminal", command: "sleep", args: ["10"], toolCallId: "slow", killAfterMs: 100 }],
    };
    const { testClient, response } = await run(scenarioPrompt(scenario));

    expect(response.stopReason).toBe("end_turn");
    const done = testClient.updates.find((n) => n.update.sessionUpdate === "tool_call_update");
    expect(done?.update).toMatchObject({ toolCallId: "slow", status: "failed", rawOutput: { signal: "SIGKILL" } });
  });

  it("read-outside reports each refused request and carries on", async () => {
    const { testClient, response } = await run("read-outside");

    expect(response.stopReason).toBe("end_turn");
    const text = agentText(testClient.updates);
    expect(text).toContain("read_file ../outside.txt failed: Invalid params: path is outside the working directory");
    expect(text).toContain("read_file /etc/hostname failed");
    expect(text).toContain("write_file ../escaped.txt failed");
    expect(text).toContain("Done trying.");
    await expect(stat(join(cwd, "..", "escaped.txt"))).rejects.toThrow(/ENOENT/);
  });

  it("reads a missing file as the client answers it and echoes the content", async () => {
    await writeFile(join(cwd, "present.txt"), "here\n");
    const scenario: ScenarioInput = {
      steps: [
        { type: "read_file", path: "present.txt", echo: true },
        { type: "read_file", path: "missing.txt", echo: true },
      ],
    };
    const { testClient } = await run(scenarioPrompt(scenario));

    expect(agentText(testClient.updates)).toBe("Read present.txt: here\nRead missing.txt: ");
  });
});

describe("quirks and process steps", () => {
  it("sends a duplicate tool call, an unknown tool call update, extension and late updates", async () => {
    const { testClient } = await run("quirks");
    // The turn's text is in before the prompt response; the late chunk follows 20 ms after it and
    // may already be here too when the client is slow to resume this test.
    const textAtResponse = agentText(testClient.updates);
    expect(["Quirks done.", "Quirks done.A late chunk after the response."]).toContain(textAtResponse);

    const dup = testClient.updates.filter((n) => n.update.sessionUpdate === "tool_call");
    expect(dup.map((n) => n.update)).toMatchObject([
      { toolCallId: "dup-1", title: "Edit notes.md" },
      { toolCallId: "dup-1", content: [{ type: "diff", path: join(cwd, "notes.md") }], locations: [{ path: join(cwd, "notes.md") }] },
    ]);
    expect(testClient.updates.map((n) => n.update)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ sessionUpdate: "tool_call_update", toolCallId: "ghost-1" }),
        expect.objectContaining({ sessionUpdate: "session_info_update", title: "Quirky task" }),
        expect.objectContaining({ sessionUpdate: "config_option_update" }),
        expect.objectContaining({ sessionUpdate: "usage_update", used: 10 }),
      ]),
    );
    // "*" fallback handlers run after the typed ones: this may arrive after the prompt response.
    const ext = await testClient.waitForExtNotification("_wharf/ext");
    expect(ext.params).toMatchObject({ note: "extension notification" });
    await testClient.waitForUpdate(
      (n) => n.update.sessionUpdate === "agent_message_chunk" && agentText([n]).includes("after the response"),
    );
    expect(agentText(testClient.updates)).toBe("Quirks done.A late chunk after the response.");
  });

  it("dumps its environment, writes directly, and spawns a detached child in its own session", async () => {
    const scenario: ScenarioInput = {
      steps: [
        { type: "env_dump", path: "env.json" },
        { type: "write_file_direct", path: "sub/direct.txt", content: "direct\n" },
        { type: "spawn_detached", pidFile: "child.pid" },
        { type: "stderr", text: "a line on stderr\n" },
      ],
    };
    const { testClient, response } = await run(scenarioPrompt(scenario), { WHARF_TEST_MARKER: "marker-value" });

    expect(response.stopReason).toBe("end_turn");
    expect(JSON.parse(await readFile(join(cwd, "env.json"), "utf8"))).toMatchObject({ WHARF_TEST_MARKER: "marker-value" });
    expect(await readFile(join(cwd, "sub/direct.txt"), "utf8")).toBe("direct\n");
    const pid = Number((await readFile(join(cwd, "child.pid"), "utf8")).trim());
    stray.push(pid);
    // /proc/<pid>/stat field 6 is the session id: setsid made the child its own session leader.
    const fields = (await readFile(`/proc/${pid}/stat`, "utf8")).split(") ")[1]?.split(" ") ?? [];
    expect(Number(fields[3])).toBe(pid);
    expect(testClient.stderr()).toContain("a line on stderr");
  });

  it("floods chunks carrying their emit time at the requested rate", async () => {
    const t0 = Date.now();
    const { testClient } = await run(scenarioPrompt({ steps: [{ type: "flood", count: 200, ratePerSecond: 1000 }] }));

    const stamps = testClient.updates
      .map((n) => /^flood (\d+)\/200 t=(\d+)\n$/.exec(agentText([n])))
      .filter((m) => m !== null)
      .map((m) => Number(m[2]));
    expect(stamps).toHaveLength(200);
    expect(stamps.every((t, i) => i === 0 || t >= (stamps[i - 1] ?? 0))).toBe(true);
    expect(stamps[0]).toBeGreaterThanOrEqual(t0);
    expect((stamps[199] ?? 0) - (stamps[0] ?? 0)).toBeGreaterThanOrEqual(180);
  });

  it("ends the turn with the stop reason of a stop step, and fails it with an error step", async () => {
    const stopped = await run(scenarioPrompt({ steps: [{ type: "stop", stopReason: "refusal" }, { type: "text", text: "never" }] }));
    expect(stopped.response.stopReason).toBe("refusal");
    await stopped.testClient.close();

    testClient = startTestClient({ cwd });
    const { sessionId } = await openSession(testClient, cwd);
    const failing = testClient.connection.agent.request(methods.agent.session.prompt, {
      sessionId,
      prompt: [{ type: "text", text: scenarioPrompt({ steps: [{ type: "error", message: "model overloaded", code: -32000 }] }) }],
    });
    await expect(failing).rejects.toMatchObject({ code: -32000, message: "model overloaded" });
  });
});

describe("scenario from the environment", () => {
  it("takes WHARF_SCENARIO as JSON, as a name, and WHARF_SCENARIO_FILE as a path", async () => {
    const inline = await run("anything", { WHARF_SCENARIO: JSON.stringify({ steps: [{ type: "text", text: "inline" }] }) });
    expect(agentText(inline.testClient.updates)).toBe("inline");
    await inline.testClient.close();

    const named = await run("anything", { WHARF_SCENARIO: "garbage" });
    expect(agentText(named.testClient.updates)).toBe("Before the garbage. After the garbage.");
    await named.testClient.close();

    const file = join(cwd, "scenario.json");
    await writeFile(file, JSON.stringify({ turns: [[{ type: "text", text: "from a file" }]] }));
    const fromFile = await run("anything", { WHARF_SCENARIO_FILE: file });
    expect(agentText(fromFile.testClient.updates)).toBe("from a file");
  });

  it("exits with code 2 and says why when the scenario is invalid", async () => {
    testClient = startTestClient({ cwd, env: { WHARF_SCENARIO: '{"steps": [{"type": "teleport"}]}' } });

    expect(await testClient.exited).toEqual({ code: 2, signal: null });
    expect(testClient.stderr()).toContain("invalid scenario from WHARF_SCENARIO");
  });
});

describe("ordering", () => {
  it("delivers every session/update sent before the prompt response to a typed handler before the response resolves", async () => {
    const { testClient, response } = await run(scenarioPrompt({ steps: [{ type: "flood", count: 2000 }] }));

    expect(response.stopReason).toBe("end_turn");
    expect(testClient.updates.filter((n) => n.update.sessionUpdate === "agent_message_chunk")).toHaveLength(2000);
  });
});

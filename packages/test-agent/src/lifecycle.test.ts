import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { methods } from "@agentclientprotocol/sdk";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { agentText, openSession, startTestClient, type TestClient } from "./test-client.ts";

let cwd: string;
let testClient: TestClient | undefined;

beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), "wharf-test-agent-"));
});
afterEach(async () => {
  await testClient?.close();
  testClient = undefined;
  await rm(cwd, { recursive: true, force: true });
});

const pending = Symbol("pending");
function settledWithin<T>(promise: Promise<T>, ms: number): Promise<T | typeof pending> {
  return Promise.race([promise, delay(ms).then((): typeof pending => pending)]);
}

async function started(prompt: string) {
  testClient = startTestClient({ cwd });
  const { sessionId } = await openSession(testClient, cwd);
  const agent = testClient.connection.agent;
  const response = agent.request(methods.agent.session.prompt, { sessionId, prompt: [{ type: "text", text: prompt }] });
  return { testClient, agent, sessionId, response };
}

async function firstUpdate(client: TestClient): Promise<void> {
  await client.waitForUpdate((n) => n.update.sessionUpdate === "agent_message_chunk");
}

describe("cancel", () => {
  it("ends a streaming turn with stopReason cancelled promptly", async () => {
    const { testClient, agent, sessionId, response } = await started("stream-slow");
    await firstUpdate(testClient);

    const t0 = performance.now();
    await agent.notify(methods.agent.session.cancel, { sessionId });
    const result = await response;

    expect(result.stopReason).toBe("cancelled");
    expect(performance.now() - t0).toBeLessThan(200);
    expect(agentText(testClient.updates).length).toBeLessThan(20);
  });

  it("stops waiting for an unanswered permission request when cancelled", async () => {
    testClient = startTestClient({ cwd, onPermission: () => new Promise(() => undefined) });
    const { sessionId } = await openSession(testClient, cwd);
    const agent = testClient.connection.agent;
    const response = agent.request(methods.agent.session.prompt, { sessionId, prompt: [{ type: "text", text: "edit-file" }] });
    await testClient.waitForPermissionRequest();

    await agent.notify(methods.agent.session.cancel, { sessionId });

    expect((await response).stopReason).toBe("cancelled");
  });

  it("is ignored by hang; the process still ends on SIGTERM", async () => {
    const { testClient, agent, sessionId, response } = await started("hang");
    await firstUpdate(testClient);

    await agent.notify(methods.agent.session.cancel, { sessionId });
    expect(await settledWithin(response, 300)).toBe(pending);

    testClient.child.kill("SIGTERM");
    expect(await testClient.exited).toEqual({ code: null, signal: "SIGTERM" });
    await expect(response).rejects.toThrow();
  });

  it("hang-ignore-sigterm survives SIGTERM and needs SIGKILL", async () => {
    const { testClient } = await started("hang-ignore-sigterm");
    await firstUpdate(testClient);

    testClient.child.kill("SIGTERM");
    expect(await settledWithin(testClient.exited, 300)).toBe(pending);
    expect(testClient.stderr()).toContain("ignoring SIGTERM");

    testClient.child.kill("SIGKILL");
    expect(await testClient.exited).toEqual({ code: null, signal: "SIGKILL" });
  });
});

describe("failures", () => {
  it("crash-mid-turn exits with code 3 after writing to stderr; the prompt never answers", async () => {
    const { testClient, response } = await started("crash-mid-turn");

    await expect(response).rejects.toThrow(/closed/i);
    expect(await testClient.exited).toEqual({ code: 3, signal: null });
    expect(testClient.stderr()).toContain("panic: simulated crash");
    expect(testClient.updates.some((n) => n.update.sessionUpdate === "tool_call")).toBe(true);
  });

  it("garbage on stdout does not stop the turn", async () => {
    const { testClient, response } = await started("garbage");

    expect((await response).stopReason).toBe("end_turn");
    expect(agentText(testClient.updates)).toBe("Before the garbage. After the garbage.");
  });

  it("a step that needs a capability the client lacks fails the prompt with a clear error", async () => {
    testClient = startTestClient({ cwd });
    const { sessionId } = await openSession(testClient, cwd, { fs: { readTextFile: true } });

    const response = testClient.connection.agent.request(methods.agent.session.prompt, {
      sessionId,
      prompt: [{ type: "text", text: "run-command" }],
    });

    await expect(response).rejects.toMatchObject({
      code: -32603,
      message: 'client did not advertise terminal; step "terminal" needs it',
    });
  });

  it("an invalid scenario in the prompt is an invalid-params error naming the problem", async () => {
    const { response } = await started('```scenario\n{"steps": [{"type": "text"}]}\n```');

    await expect(response).rejects.toMatchObject({ code: -32602, message: expect.stringMatching(/steps\.0\.text/) });
  });

  it("a second prompt while one is running is refused", async () => {
    const { agent, sessionId, response } = await started("stream-slow");
    const second = agent.request(methods.agent.session.prompt, { sessionId, prompt: [{ type: "text", text: "x" }] });

    await expect(second).rejects.toMatchObject({ code: -32600 });
    await agent.notify(methods.agent.session.cancel, { sessionId });
    expect((await response).stopReason).toBe("cancelled");
  });
});

describe("start-up", () => {
  it("answers initialize well within 300 ms of being spawned", async () => {
    const t0 = performance.now();
    testClient = startTestClient({ cwd });
    await testClient.connection.agent.request(methods.agent.initialize, { protocolVersion: 1, clientCapabilities: {} });
    const elapsed = performance.now() - t0;
    // Generous bound for a loaded machine; the measured figure is in the README.
    expect(elapsed).toBeLessThan(1500);
  });

  it("exits when the client closes stdin", async () => {
    testClient = startTestClient({ cwd });
    await openSession(testClient, cwd);
    testClient.child.stdin?.end();
    expect(await testClient.exited).toEqual({ code: 0, signal: null });
  });
});

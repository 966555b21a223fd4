import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { methods, type RequestPermissionRequest } from "@agentclientprotocol/sdk";
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

function answerWith(optionId: string) {
  return (request: RequestPermissionRequest) => {
    expect(request.options.map((o) => o.optionId)).toContain(optionId);
    return { outcome: { outcome: "selected" as const, optionId } };
  };
}

describe("edit-file scenario", () => {
  it("asks permission, writes the file through fs/write_text_file when allowed", async () => {
    testClient = startTestClient({ cwd, onPermission: answerWith("allow") });
    const { init, session, sessionId } = await openSession(testClient, cwd);
    expect(init.agentCapabilities?.loadSession).toBe(true);
    expect(session.modes?.availableModes.map((m) => m.id)).toEqual(["ask", "code"]);

    const response = await testClient.connection.agent.request(methods.agent.session.prompt, {
      sessionId,
      prompt: [{ type: "text", text: "edit-file" }],
    });

    expect(response.stopReason).toBe("end_turn");
    expect(await readFile(join(cwd, "hello.txt"), "utf8")).toBe("Hello from Wharf!\n");
    const kinds = testClient.updates.map((n) => n.update.sessionUpdate);
    expect(kinds).toEqual(
      expect.arrayContaining(["agent_message_chunk", "agent_thought_chunk", "plan", "tool_call", "tool_call_update", "usage_update"]),
    );
    // The text was streamed in three chunks.
    expect(kinds.filter((k) => k === "agent_message_chunk").length).toBeGreaterThanOrEqual(4);
    expect(testClient.permissionRequests).toHaveLength(1);
    expect(testClient.permissionRequests[0]?.toolCall.toolCallId).toBe("edit-hello");
    const completed = testClient.updates.find(
      (n) => n.update.sessionUpdate === "tool_call_update" && n.update.status === "completed",
    );
    expect(completed?.update).toMatchObject({
      toolCallId: "edit-hello",
      content: [{ type: "diff", path: join(cwd, "hello.txt"), newText: "Hello from Wharf!\n" }],
    });
    expect(agentText(testClient.updates)).toContain("Done: hello.txt now greets you.");
  });

  it("writes nothing and says so when the permission is rejected", async () => {
    testClient = startTestClient({ cwd, onPermission: answerWith("reject") });
    const { sessionId } = await openSession(testClient, cwd);

    const response = await testClient.connection.agent.request(methods.agent.session.prompt, {
      sessionId,
      prompt: [{ type: "text", text: "edit-file" }],
    });

    expect(response.stopReason).toBe("end_turn");
    await expect(stat(join(cwd, "hello.txt"))).rejects.toThrow(/ENOENT/);
    expect(agentText(testClient.updates)).toContain("I was told no, so I wrote nothing.");
    const failed = testClient.updates.find((n) => n.update.sessionUpdate === "tool_call_update" && n.update.status === "failed");
    expect(failed?.update).toMatchObject({ toolCallId: "edit-hello" });
  });

  it("runs the next turn on a follow-up prompt in the same session", async () => {
    testClient = startTestClient({ cwd, onPermission: answerWith("allow") });
    const { sessionId } = await openSession(testClient, cwd);
    const agent = testClient.connection.agent;

    await agent.request(methods.agent.session.prompt, { sessionId, prompt: [{ type: "text", text: "edit-file" }] });
    const second = await agent.request(methods.agent.session.prompt, {
      sessionId,
      prompt: [{ type: "text", text: "Please add another line." }],
    });
    const third = await agent.request(methods.agent.session.prompt, {
      sessionId,
      prompt: [{ type: "text", text: "Anything else?" }],
    });

    expect(second.stopReason).toBe("end_turn");
    expect(await readFile(join(cwd, "hello.txt"), "utf8")).toBe("Hello from Wharf!\nAnd hello again.\n");
    expect(third.stopReason).toBe("end_turn");
    expect(agentText(testClient.updates)).toContain("The scenario has no turn 3.");
  });
});

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { taskEventSchema } from "@wharf/api/schemas";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runningMembers } from "../testing/processes";
import { acpTransport } from "./acp-transport";
import { RecordingHooks, rejectFirst, waitForAbort } from "./recording-hooks";
import type { AgentSession } from "./transport";

/** The example agent shipped with the ACP SDK 1.9.0: a real ACP v1 agent from another SDK version. */
const exampleAgent = fileURLToPath(
  new URL("../../node_modules/@agentclientprotocol/sdk-example/dist/examples/agent.js", import.meta.url),
);

let worktree: string;
beforeAll(async () => {
  worktree = await mkdtemp(path.join(tmpdir(), "wharf-example-"));
});
afterAll(async () => {
  await rm(worktree, { recursive: true, force: true });
});

async function start(hooks: RecordingHooks): Promise<AgentSession> {
  return acpTransport.start({
    agent: { id: "example", name: "SDK example agent", transport: "acp", command: process.execPath, args: [exampleAgent], env: {} },
    cwd: worktree,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    hooks,
  });
}

describe.concurrent("ACP client against the SDK 1.9.0 example agent", () => {
  it("runs a turn: messages, tool calls, a permission ask answered allow, end_turn", async () => {
    const hooks = new RecordingHooks();
    const session = await start(hooks);
    expect(session.sessionId).toMatch(/^[0-9a-f]{32}$/);
    expect(session.info.loadSession).toBe(false);

    const { stopReason } = await session.prompt("Improve the configuration");
    expect(stopReason).toBe("end_turn");
    expect(hooks.text()).toContain("I'll help you with that.");
    expect(hooks.text()).toContain("Perfect! I've successfully updated the configuration.");

    expect(hooks.asks).toHaveLength(1);
    const ask = hooks.asks[0]!.ask;
    expect(ask.toolCall).toMatchObject({ toolCallId: "call_2", status: "awaiting_permission", kind: "edit" });
    expect(ask.options.map((o) => [o.optionId, o.kind])).toEqual([
      ["allow", "allow_once"],
      ["reject", "reject_once"],
    ]);

    expect(hooks.toolCalls("call_1").map((e) => e.type === "tool_call" && e.status)).toEqual(["pending", "completed"]);
    expect(hooks.toolCalls("call_2").map((e) => e.type === "tool_call" && e.status)).toEqual([
      "pending",
      "awaiting_permission",
      "in_progress",
      "completed",
    ]);
    for (const event of hooks.events) expect(taskEventSchema.safeParse(event).success).toBe(true);

    const pid = (session as unknown as { proc: { child: { pid: number } } }).proc.child.pid;
    const exit = await session.close();
    expect(exit.signal ?? exit.code).not.toBeNull();
    expect(await runningMembers(pid)).toEqual([]);
    await expect(session.prompt("again")).rejects.toThrow(/was already stopped/);
  }, 20_000);

  it("passes a rejection on to the agent", async () => {
    const hooks = new RecordingHooks(rejectFirst);
    const session = await start(hooks);
    expect((await session.prompt("Improve the configuration")).stopReason).toBe("end_turn");
    expect(hooks.text()).toContain("I understand you prefer not to make that change.");
    expect(hooks.text()).not.toContain("Perfect!");
    expect(hooks.toolCalls("call_2").at(-1)).toMatchObject({ status: "denied" });
    await session.close();
  }, 20_000);

  it("cancel() aborts a pending permission ask and answers the agent cancelled", async () => {
    const hooks = new RecordingHooks(waitForAbort);
    const session = await start(hooks);
    const asked = hooks.nextAsk();
    const turn = session.prompt("Improve the configuration");
    const { signal } = await asked;
    expect(signal.aborted).toBe(false);
    await session.cancel();
    expect(signal.aborted).toBe(true);
    const { stopReason } = await turn;
    expect(["cancelled", "end_turn"]).toContain(stopReason);
    expect(hooks.text()).not.toContain("Perfect!");
    expect(hooks.text()).not.toContain("I understand you prefer");
    expect(hooks.toolCalls("call_2").at(-1)).toMatchObject({ status: "denied" });
    await session.close();
  }, 20_000);
});

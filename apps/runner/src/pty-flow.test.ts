import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ptyTerminalId } from "./agents/pty-transport";
import { makeRepo } from "./testing/git-fixture";
import { alive } from "./testing/processes";
import { startStack, type Stack } from "./testing/stack";

/** A shell script that prints coloured progress, asks a question on its terminal and edits a file. */
const ptyAgentBin = fileURLToPath(new URL("../../../packages/test-agent/bin/wharf-pty-agent.sh", import.meta.url));

async function stackWithAgents(sandbox?: "off"): Promise<Stack> {
  const stack = await startStack(sandbox ? { sandbox } : {});
  // The same script, once with the prompt as its argument and once typed into its terminal.
  await stack.api.agent.upsert({ id: "pty-script", name: "PTY script", transport: "pty", command: ptyAgentBin, args: [] });
  await stack.api.agent.upsert({ id: "pty-typed", name: "PTY typed", transport: "pty", command: ptyAgentBin, args: ["{prompt:stdin}"] });
  return stack;
}

let stack: Stack;
beforeAll(async () => {
  stack = await stackWithAgents();
}, 60_000);
// A second runner with the OS sandbox off, started by the first test that needs it: for the tests
// that look at host pids.
let unconfinedStack: Promise<Stack> | undefined;
const unconfined = () => (unconfinedStack ??= stackWithAgents("off"));
afterAll(async () => {
  await stack?.stop();
  await (await unconfinedStack)?.stop();
}, 30_000);

async function start(agentId: string, prompt: string, on = stack) {
  const project = await on.api.project.create({ path: makeRepo() });
  return on.api.task.create({ projectId: project.id, agentId, prompt });
}

/** Everything the task's terminal printed so far, in order. */
async function terminal(taskId: string, on = stack): Promise<string> {
  return (await on.events(taskId)).flatMap((e) => (e.event.type === "terminal_output" ? [e.event.data] : [])).join("");
}

function waitForOutput(taskId: string, text: string, on = stack) {
  return on.waitUntil(async () => ((await terminal(taskId, on)).includes(text) ? true : undefined), `"${text}" in the terminal of ${taskId}`);
}

describe("an agent in a terminal (pty)", () => {
  it("streams coloured output, takes typed input and a resize, and its edit reaches review", async () => {
    const created = await start("pty-script", "greet someone");
    await waitForOutput(created.id, "Who should I greet? ");
    const output = await terminal(created.id);
    expect(output).toContain("\x1b[1;36mpty-agent\x1b[0m working on: greet someone");
    expect(output).toContain("read src/app.txt: 3 lines");

    await stack.api.task.terminalResize({ id: created.id, cols: 100, rows: 40 });
    await stack.api.task.terminalInput({ id: created.id, data: "Ada" });
    await stack.api.task.terminalInput({ id: created.id, data: "\r" });

    const task = await stack.waitForState(created.id, ["review", "failed"]);
    expect(task.error).toBeNull();
    expect(task.state).toBe("review");
    expect(task.change?.files).toEqual([expect.objectContaining({ path: "greeting.txt", status: "added" })]);
    expect((await stack.api.change.get({ taskId: created.id })).diff).toContain("+hello Ada");

    const events = await stack.events(created.id);
    const chunks = events.flatMap((e) => (e.event.type === "terminal_output" ? [e.event] : []));
    expect(new Set(chunks.map((c) => c.terminalId))).toEqual(new Set([ptyTerminalId]));
    const all = chunks.map((c) => c.data).join("");
    expect(all).toContain("writing greeting.txt for Ada (terminal 40 100)");
    expect(all).toContain("✓ done");
    expect(chunks.at(-1)).toMatchObject({ data: "", exitCode: 0 });
    // The terminal output comes before the change and the final status.
    const exitSeq = events.find((e) => e.event.type === "terminal_output" && e.event.exitCode === 0)!.seq;
    const reviewSeq = events.find((e) => e.event.type === "status" && e.event.state === "review")!.seq;
    expect(exitSeq).toBeLessThan(reviewSeq);

    // The replay query gives the same bytes, in order, with the exit.
    const replay = await stack.api.task.terminalOutput({ taskId: created.id, terminalId: ptyTerminalId });
    expect(replay.more).toBe(false);
    expect(replay.chunks.map((c) => c.data).join("")).toBe(all);
    expect(replay.chunks.at(-1)).toMatchObject({ exitCode: 0 });
    const tail = await stack.api.task.terminalOutput({ taskId: created.id, terminalId: ptyTerminalId, afterSeq: replay.chunks.at(-2)!.seq });
    expect(tail.chunks).toHaveLength(1);

    // Input is refused once the agent is done.
    await expect(stack.api.task.terminalInput({ id: created.id, data: "x" })).rejects.toMatchObject({ code: "CONFLICT" });

    // A follow-up runs the command again in the same worktree, on the same terminal.
    await stack.api.task.prompt({ id: created.id, prompt: "once more" });
    await stack.waitUntil(async () => ((await terminal(created.id)).split("Who should I greet? ").length === 3 ? true : undefined), "the second question");
    await stack.api.task.terminalInput({ id: created.id, data: "Grace\r" });
    const again = await stack.waitForState(created.id, ["review", "failed"]);
    expect(again.state).toBe("review");
    expect((await stack.api.change.get({ taskId: created.id })).diff).toContain("+hello Grace");
    const errors = (await stack.events(created.id)).filter((e) => e.event.type === "error");
    expect(errors).toEqual([]);
  }, 60_000);

  it("types the prompt into the terminal when the agent's arguments say {prompt:stdin}", async () => {
    const created = await start("pty-typed", "typed task");
    await waitForOutput(created.id, "Who should I greet? ");
    expect(await terminal(created.id)).toContain("working on: typed task");
    await stack.api.task.terminalInput({ id: created.id, data: "Linus\r" });
    const task = await stack.waitForState(created.id, ["review", "failed"]);
    expect(task.state).toBe("review");
  }, 30_000);

  it("fails the task with the exit code and the terminal's last lines when the agent exits non-zero", async () => {
    const created = await start("pty-script", "please fail");
    const task = await stack.waitForState(created.id, ["failed", "review", "completed"]);
    expect(task.state).toBe("failed");
    expect(task.error).toContain('Agent "PTY script" ended with a failure (exit code 3).');
    expect(task.error).toContain("error: the model went away");
    expect(task.error).not.toContain("\x1b[");
    const last = (await stack.events(created.id)).flatMap((e) => (e.event.type === "terminal_output" ? [e.event] : [])).at(-1);
    expect(last).toMatchObject({ exitCode: 3 });
  }, 30_000);

  it("cancels a running agent and leaves none of its processes behind", async () => {
    const stack = await unconfined(); // host pids
    const pidFile = path.join(mkdtempSync(path.join(os.tmpdir(), "wharf-pty-")), "pids");
    const created = await start("pty-script", `hang:${pidFile}`, stack);
    await waitForOutput(created.id, "waiting…", stack);
    const [agentPid, childPid] = readFileSync(pidFile, "utf8").trim().split(" ").map(Number) as [number, number];
    expect(alive(agentPid)).toBe(true);
    expect(alive(childPid)).toBe(true);
    // Tagged like every agent process, so a later runner reaps them if this one dies.
    expect(readFileSync(`/proc/${childPid}/environ`, "latin1")).toMatch(/\0WHARF_PROCESS_TAG=\d+\.\d+\.[0-9a-f-]{36}\0/);
    await stack.api.task.cancel({ id: created.id });
    const task = await stack.waitForState(created.id, ["cancelled"], 10_000);
    expect(task.state).toBe("cancelled");
    expect(alive(agentPid)).toBe(false);
    expect(alive(childPid)).toBe(false);
    expect(task.worktreePath && existsSync(task.worktreePath)).toBeFalsy();
  }, 30_000);

  it("stops what the agent left running when it exits, even in a session of its own", async () => {
    const stack = await unconfined(); // host pids
    const pidFile = path.join(mkdtempSync(path.join(os.tmpdir(), "wharf-pty-")), "pid");
    const created = await start("pty-script", `leave:${pidFile}`, stack);
    const task = await stack.waitForState(created.id, ["completed", "review", "failed"]);
    expect(task.state).toBe("completed");
    const leftover = Number(readFileSync(pidFile, "utf8").trim());
    expect(leftover).toBeGreaterThan(0);
    expect(alive(leftover)).toBe(false);
  }, 30_000);

  it("refuses terminal input for unknown tasks, ACP agents and oversized input", async () => {
    await expect(stack.api.task.terminalInput({ id: "00000000-0000-4000-8000-000000000000", data: "x" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    const acp = await start("scripted", "```scenario\n" + JSON.stringify({ steps: [{ type: "text", text: "hi" }] }) + "\n```");
    await expect(stack.api.task.terminalInput({ id: acp.id, data: "x" })).rejects.toMatchObject({ code: "CONFLICT", message: expect.stringMatching(/only agents in a terminal/) });
    await expect(stack.api.task.terminalInput({ id: acp.id, data: "x".repeat(1025) })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(stack.api.task.terminalResize({ id: acp.id, cols: 0, rows: 10 })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  }, 30_000);

  it("says clearly when the command does not exist: no runner has it, and the task waits for one", async () => {
    await stack.api.agent.upsert({ id: "pty-missing", name: "PTY missing", transport: "pty", command: "wharf-no-such-cli", args: [] });
    const created = await start("pty-missing", "anything");
    const queued = await stack.waitForEvent(created.id, (e) => e.type === "status" && e.state === "queued", "the queued status");
    expect(queued.event).toMatchObject({ reason: "no runner has PTY missing installed" });
    expect((await stack.api.task.get({ id: created.id })).state).toBe("queued");
    await stack.api.task.cancel({ id: created.id });
  }, 30_000);
});

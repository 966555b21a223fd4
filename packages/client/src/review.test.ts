import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWharfClient, readToken, waitForTask } from "./index.ts";
import { scenarioPrompt, startTestWharf, type TestWharf } from "./testing/server.ts";

/*
 * Review on the whole stack: the API over HTTP, a runner, and the scripted agent, whose second
 * turn echoes the prompt it received, so the test asserts on what the agent got.
 */

let wharf: TestWharf;
beforeAll(async () => {
  wharf = await startTestWharf();
}, 90_000);
afterAll(async () => {
  await wharf?.stop();
}, 30_000);

const client = () => createWharfClient({ url: wharf.url, token: readToken(wharf.home), actor: "review-test" });

/** Waits until the runner has written `text` (its log), or fails after `timeoutMs`. */
async function runnerSays(text: RegExp, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!text.test(wharf.runnerOutput())) {
    if (Date.now() > deadline) throw new Error(`the runner did not log ${text} within ${timeoutMs} ms:\n${wharf.runnerOutput().slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("review comments sent to the agent", () => {
  it("sends two line comments as one follow-up that names each path:line, its lines and the comment; discard stops the parked agent", { timeout: 90_000 }, async () => {
    const wharfClient = client();
    const project = await wharfClient.project.create.mutate({ path: wharf.makeRepo() });
    const scenario = {
      turns: [
        [
          { type: "write_file", path: "src/app.txt", content: "one\nTWO\nthree\nfour\n" },
          { type: "write_file", path: "notes.txt", content: "first note\nsecond note\n" },
          { type: "text", text: "Done." },
        ],
        [{ type: "text", text: "Got: {{prompt}}" }],
      ],
    };
    const task = await wharfClient.task.create.mutate({ projectId: project.id, agentId: "scripted", prompt: scenarioPrompt(scenario) });
    await waitForTask(wharfClient, task.id, ["review"], { signal: AbortSignal.timeout(30_000) });

    await wharfClient.comment.add.mutate({ taskId: task.id, path: "src/app.txt", startLine: 2, body: "Keep this one in lower case." });
    await wharfClient.comment.add.mutate({ taskId: task.id, path: "notes.txt", startLine: 1, endLine: 2, body: "Say why these notes exist." });
    const sent = await wharfClient.comment.send.mutate({ taskId: task.id });
    expect(sent).toMatchObject({ sent: 2, turn: 1, state: "queued" });
    await expect(wharfClient.comment.send.mutate({ taskId: task.id })).rejects.toMatchObject({ data: { code: "CONFLICT" } });

    await waitForTask(wharfClient, task.id, ["review"], { signal: AbortSignal.timeout(30_000) });
    const { events } = await wharfClient.task.history.query({ taskId: task.id });
    const said = events
      .filter((e) => e.event.type === "message" && e.event.role === "agent")
      .map((e) => (e.event.type === "message" ? e.event.text : ""))
      .join("");
    expect(said).toContain("Got: ");
    expect(said).toContain("`src/app.txt:2`");
    expect(said).toContain("2  TWO");
    expect(said).toContain("Keep this one in lower case.");
    expect(said).toContain("`notes.txt:1-2`");
    expect(said).toContain("first note");
    expect(said).toContain("Say why these notes exist.");
    const comments = await wharfClient.comment.list.query({ taskId: task.id });
    expect(comments.map((c) => [c.state, c.sentInTurn])).toEqual([["sent", 1], ["sent", 1]]);

    // The agent is parked for the next follow-up; discarding the task stops it.
    await wharfClient.change.discard.mutate({ taskId: task.id });
    await runnerSays(new RegExp(`stopped the parked agent of a task that left review .*${task.id}`));
  });

  it("hands a rebase conflict to the agent; after it merges the base branch the change is diffed from there and applies", { timeout: 90_000 }, async () => {
    const wharfClient = client();
    const repo = wharf.makeRepo();
    const project = await wharfClient.project.create.mutate({ path: repo });
    const merge = "git -c user.name=Agent -c user.email=agent@example.com merge -X ours --no-edit main";
    const scenario = {
      turns: [
        [{ type: "write_file", path: "src/app.txt", content: "one\nTASK\nthree\n" }],
        [{ type: "terminal", command: "sh", args: ["-c", merge], echo: true }],
      ],
    };
    const task = await wharfClient.task.create.mutate({ projectId: project.id, agentId: "scripted", prompt: scenarioPrompt(scenario) });
    await waitForTask(wharfClient, task.id, ["review"], { signal: AbortSignal.timeout(30_000) });

    // The base branch moves and changes the same line.
    writeFileSync(path.join(repo, "src/app.txt"), "one\nMAIN\nthree\n");
    wharf.git(repo, "commit", "-q", "-am", "main changes line 2");
    const tip = wharf.git(repo, "rev-parse", "main");
    const handed = await wharfClient.change.rebase.mutate({ taskId: task.id, handToAgent: true });
    expect(handed).toMatchObject({ outcome: "conflict", files: ["src/app.txt"], sentToAgent: true });

    await waitForTask(wharfClient, task.id, ["review"], { signal: AbortSignal.timeout(30_000) });
    const change = await wharfClient.change.get.query({ taskId: task.id });
    expect(change.baseCommit).toBe(tip);
    expect(change.base).toMatchObject({ commitsBehind: 0, clean: true });
    expect(change.files.map((f) => f.path)).toEqual(["src/app.txt"]);
    expect(change.diff).toContain("-MAIN");
    expect(change.diff).toContain("+TASK");
    const applied = await wharfClient.change.apply.mutate({ taskId: task.id });
    expect(applied.state).toBe("applied");
    expect(wharf.git(repo, "show", "main:src/app.txt")).toBe("one\nTASK\nthree");
    expect(wharf.git(repo, "rev-parse", "main^")).toBe(tip);
  });
});

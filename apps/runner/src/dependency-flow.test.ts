import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeRepo } from "./testing/git-fixture";
import { scenario } from "./testing/hanging-agent";
import { startStack, type Stack } from "./testing/stack";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
}, 60_000);
afterAll(async () => {
  await stack?.stop();
}, 30_000);

/** A turn that waits for a permission before writing `file`: the test decides when it ends. */
const gatedWrite = (file: string, content: string) =>
  scenario({ steps: [{ type: "permission", toolCallId: "gate", title: `Write ${file}`, kind: "edit", onAllow: [{ type: "write_file", path: file, content }] }] });

const statuses = async (taskId: string) => (await stack.events(taskId)).flatMap((e) => (e.event.type === "status" ? [e.event.state] : []));

describe("dependencies on a real runner", () => {
  it("a dependent task runs after its dependency reaches review, queued by that transition", async () => {
    const { id: projectId } = await stack.api.project.create({ path: makeRepo() });
    const first = await stack.api.task.create({ projectId, agentId: "scripted", prompt: gatedWrite("first.txt", "first\n") });
    const second = await stack.api.task.create({
      projectId,
      agentId: "scripted",
      prompt: scenario({ steps: [{ type: "write_file", path: "second.txt", content: "second\n" }] }),
      dependsOn: [first.id],
    });
    expect(second).toMatchObject({ state: "blocked", blockedReason: expect.stringMatching(new RegExp(`^waiting for #${first.id.slice(0, 8)}`)) });

    // The dependency runs and waits for a person; the dependent stays blocked meanwhile.
    await stack.waitForEvent(first.id, (e) => e.type === "permission" && e.phase === "requested", "the dependency's permission request");
    const card = await stack.api.task.get({ id: second.id });
    expect(card).toMatchObject({ state: "blocked", dependsOn: [expect.objectContaining({ id: first.id, state: "needs_input" })] });
    expect((await stack.api.task.get({ id: first.id })).dependents).toEqual([expect.objectContaining({ id: second.id, state: "blocked" })]);

    const [request] = await stack.api.permission.pending({ taskId: first.id });
    const allow = (request!.options as Array<{ optionId: string; kind: string }>).find((o) => o.kind === "allow_once")!;
    await stack.api.permission.respond({ requestId: request!.id, optionId: allow.optionId });

    const done = await stack.waitForState(second.id, ["review", "failed"]);
    expect(done.state).toBe("review");
    expect(readFileSync(path.join(done.worktreePath!, "second.txt"), "utf8")).toBe("second\n");
    expect(await statuses(second.id)).toEqual(["blocked", "queued", "running", "review"]);
    const firstEvents = (await stack.api.task.history({ taskId: first.id })).events;
    const secondEvents = (await stack.api.task.history({ taskId: second.id })).events;
    const review = firstEvents.find((e) => e.event.type === "status" && e.event.state === "review")!;
    const queued = secondEvents.find((e) => e.event.type === "status" && e.event.state === "queued")!;
    const running = secondEvents.find((e) => e.event.type === "status" && e.event.state === "running")!;
    // Written by the dependency's review transition (one transaction, one timestamp), and only then run.
    expect(queued.at).toEqual(review.at);
    expect(new Date(running.at).getTime()).toBeGreaterThanOrEqual(new Date(review.at).getTime());
  }, 60_000);

  it("a failed dependency leaves the dependent blocked, saying so, until a person starts it", async () => {
    const { id: projectId } = await stack.api.project.create({ path: makeRepo() });
    const first = await stack.api.task.create({ projectId, agentId: "scripted", prompt: scenario({ steps: [{ type: "error", message: "the model is down" }] }) });
    const second = await stack.api.task.create({
      projectId,
      agentId: "scripted",
      prompt: scenario({ steps: [{ type: "write_file", path: "second.txt", content: "second\n" }] }),
      dependsOn: [first.id],
    });
    await stack.waitForState(first.id, ["failed"]);
    const blocked = await stack.waitForEvent(second.id, (e) => e.type === "status" && e.state === "blocked" && /failed/.test(e.reason ?? ""), "the dependent told of the failure");
    expect(blocked.event).toMatchObject({ reason: expect.stringMatching(/failed: .*start this task anyway or cancel it$/) });
    expect((await stack.api.task.get({ id: second.id })).state).toBe("blocked");

    // Through the API: a subtask waiting for its own parent is a cycle, refused with what to do.
    await expect(stack.api.task.create({ projectId, agentId: "scripted", prompt: "x", parentId: second.id, dependsOn: [second.id] })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(/cycle/),
    });
    await expect(stack.api.task.create({ projectId, agentId: "scripted", prompt: "x", dependsOn: ["00000000-0000-4000-8000-000000000000"] })).rejects.toMatchObject({ code: "NOT_FOUND" });

    await stack.api.task.start({ id: second.id });
    expect((await stack.waitForState(second.id, ["review", "failed"])).state).toBe("review");
  }, 60_000);
});

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startFakeForge } from "@wharf/forge/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWharfClient, readToken, waitForTask, type WharfClient } from "./index.ts";
import { startTestWharf, type TestWharf } from "./testing/server.ts";

/*
 * Best-of-N on the whole stack: the API over HTTP, a runner, and the scripted agent run as several
 * custom agents, each with its own scenario, so that one prompt gives different results.
 */

const FORGE_TOKEN = "forge-token-best-of-n-5d1e";
const testAgentBin = fileURLToPath(new URL("../../test-agent/bin/wharf-test-agent.mjs", import.meta.url));

let wharf: TestWharf;
let client: WharfClient;
beforeAll(async () => {
  wharf = await startTestWharf();
  client = createWharfClient({ url: wharf.url, token: readToken(wharf.home), actor: "best-of-n-test" });
  const writes = (content: string, extra: unknown[] = []) => ({ steps: [...extra, { type: "write_file", path: "src/app.txt", content }, { type: "text", text: "Done." }] });
  await agent("bo-upper", writes("ONE\ntwo\nthree\n", [{ type: "usage", used: 1200, size: 200_000, cost: { amount: 0.42, currency: "USD" } }]));
  await agent("bo-lower", writes("one\ntwo\nthree\nfour\n"));
  await agent("bo-slow", { steps: [{ type: "text", text: "Thinking for a long time…" }, { type: "sleep", ms: 120_000 }] });
  await agent("bo-talk", { steps: [{ type: "text", text: "Nothing to change." }] });
}, 90_000);
afterAll(async () => {
  await wharf?.stop();
}, 30_000);

/** The scripted agent as a custom agent that runs `scenario` whatever the prompt says. */
async function agent(id: string, scenario: unknown) {
  await client.agent.upsert.mutate({ id, name: `Agent ${id}`, transport: "acp", command: "/usr/bin/env", args: [`WHARF_SCENARIO=${JSON.stringify(scenario)}`, process.execPath, testAgentBin] });
}

const within = (ms: number) => ({ signal: AbortSignal.timeout(ms) });

describe("task.createAttempts, task.attempts and task.pickAttempt", () => {
  it("runs one prompt on four agents; picking one applies it, discards the one in review, cancels the live one and leaves the finished one", { timeout: 120_000 }, async () => {
    const repo = wharf.makeRepo();
    const project = await client.project.create.mutate({ path: repo });
    const prompt = "Make the first line stand out.";
    const created = await client.task.createAttempts.mutate({
      projectId: project.id,
      prompt,
      attempts: [{ agentId: "bo-upper" }, { agentId: "bo-lower" }, { agentId: "bo-slow" }, { agentId: "bo-talk" }],
    });
    expect(created.tasks.map((t) => [t.attemptIndex, t.agentId, t.state])).toEqual([
      [1, "bo-upper", "queued"],
      [2, "bo-lower", "queued"],
      [3, "bo-slow", "queued"],
      [4, "bo-talk", "queued"],
    ]);
    const [upper, lower, slow, talk] = created.tasks.map((t) => t.id) as [string, string, string, string];
    await Promise.all([
      waitForTask(client, upper, ["review"], within(60_000)),
      waitForTask(client, lower, ["review"], within(60_000)),
      waitForTask(client, slow, ["running"], within(60_000)),
      waitForTask(client, talk, ["completed"], within(60_000)),
    ]);

    // task.get and the board carry the group.
    const got = await client.task.get.query({ id: lower });
    expect(got).toMatchObject({ attemptGroup: created.groupId, attemptIndex: 2, attempts: 4, prompt });
    const board = await client.board.live.query({ projectId: project.id });
    expect(board.items.filter((card) => card.attemptGroup === created.groupId).map((card) => [card.attemptIndex, card.attempts]).sort()).toEqual([
      [1, 4],
      [2, 4],
      [3, 4],
    ]);

    const compared = await client.task.attempts.query({ groupId: created.groupId });
    expect(compared.prompt).toBe(prompt);
    // Any attempt's id names its group too.
    expect((await client.task.attempts.query({ groupId: lower })).groupId).toBe(created.groupId);
    expect(compared.attempts.map((a) => [a.attemptIndex, a.agent.id, a.state])).toEqual([
      [1, "bo-upper", "review"],
      [2, "bo-lower", "review"],
      [3, "bo-slow", "running"],
      [4, "bo-talk", "completed"],
    ]);
    const [a1, a2, a3, a4] = compared.attempts;
    expect(a1!.change).toMatchObject({ state: "pending", additions: 1, deletions: 1, files: [{ path: "src/app.txt" }] });
    expect(a2!.change).toMatchObject({ state: "pending", additions: 1, deletions: 0 });
    expect(a3!.change).toBeNull();
    expect(a4!.change).toBeNull();
    expect(a1!.usage).toMatchObject({ used: 1200, size: 200_000, cost: { amount: 0.42, currency: "USD" } });
    expect(a2!.usage.cost).toBeUndefined();
    expect(a1!.startedAt).not.toBeNull();
    expect(a3!.finishedAt).toBeNull();
    expect(a1!.ranUntil!.getTime()).toBeGreaterThanOrEqual(a1!.startedAt!.getTime());
    expect(a3!.ranUntil).toBeNull();

    const picked = await client.task.pickAttempt.mutate({ taskId: upper, action: "apply" });
    expect(picked).toMatchObject({ taskId: upper, attemptIndex: 1, state: "applied", pullRequest: null });
    expect(picked.siblings.map((s) => [s.attemptIndex, s.was, s.action])).toEqual([
      [2, "review", "discarded"],
      [3, "running", "cancelling"],
      [4, "completed", "left"],
    ]);
    expect(readFileSync(path.join(repo, "src/app.txt"), "utf8")).toBe("ONE\ntwo\nthree\n");
    expect(wharf.git(repo, "log", "-1", "--format=%s", "main")).toContain("Make the first line stand out.");
    expect((await client.task.get.query({ id: lower })).state).toBe("discarded");
    await waitForTask(client, slow, ["cancelled"], within(60_000));
    expect((await client.task.get.query({ id: talk })).state).toBe("completed");
    const after = await client.task.attempts.query({ groupId: created.groupId });
    expect(after.attempts.map((a) => a.state)).toEqual(["applied", "discarded", "cancelled", "completed"]);

    // Picking again: the chosen one is no longer in review; nothing changes.
    await expect(client.task.pickAttempt.mutate({ taskId: lower })).rejects.toMatchObject({ data: { code: "CONFLICT" } });
  });

  it("when the chosen attempt does not apply (the base branch moved), nothing else is discarded", { timeout: 120_000 }, async () => {
    const repo = wharf.makeRepo();
    const project = await client.project.create.mutate({ path: repo });
    const created = await client.task.createAttempts.mutate({ projectId: project.id, prompt: "Change the first line.", attempts: [{ agentId: "bo-upper" }, { agentId: "bo-upper" }, { agentId: "bo-lower" }] });
    for (const task of created.tasks) await waitForTask(client, task.id, ["review"], within(60_000));
    // Someone changes the same line on main.
    writeFileSync(path.join(repo, "src/app.txt"), "uno\ntwo\nthree\n");
    wharf.git(repo, "commit", "-qam", "someone else");

    const [first, second, third] = created.tasks.map((t) => t.id) as [string, string, string];
    await expect(client.task.pickAttempt.mutate({ taskId: first })).rejects.toMatchObject({
      data: { code: "CONFLICT" },
      message: expect.stringContaining("the other attempts are as they were"),
    });
    const compared = await client.task.attempts.query({ groupId: created.groupId });
    expect(compared.attempts.map((a) => [a.id, a.state, a.change?.state])).toEqual([
      [first, "review", "conflict"],
      [second, "review", "pending"],
      [third, "review", "pending"],
    ]);
    // Another attempt that does apply can still be picked.
    const picked = await client.task.pickAttempt.mutate({ taskId: third });
    expect(picked.siblings.map((s) => s.action)).toEqual(["discarded", "discarded"]);
    expect(readFileSync(path.join(repo, "src/app.txt"), "utf8")).toBe("uno\ntwo\nthree\nfour\n");
  });

  it("picks one attempt as a pull request: pushed and opened, it stays in review; the others are discarded", { timeout: 120_000 }, async () => {
    const repo = wharf.makeRepo();
    const bare = path.join(mkdtempSync(path.join(tmpdir(), "wharf-bare-")), "widget.git");
    wharf.git(repo, "init", "-q", "--bare", bare);
    wharf.git(repo, "remote", "add", "origin", bare);
    const forge = await startFakeForge({ token: FORGE_TOKEN, projects: { "acme/widget": { repository: bare } } });
    try {
      const project = await client.project.create.mutate({ path: repo });
      await client.project.update.mutate({ id: project.id, forgeKind: "github", forgeApiUrl: forge.githubApiBase, forgeProject: "acme/widget", forgeToken: FORGE_TOKEN });
      const created = await client.task.createAttempts.mutate({ projectId: project.id, prompt: "Shout the first line.", attempts: [{ agentId: "bo-lower" }, { agentId: "bo-upper" }] });
      for (const task of created.tasks) await waitForTask(client, task.id, ["review"], within(60_000));
      const [lower, upper] = created.tasks.map((t) => t.id) as [string, string];

      // The forge refuses (no base branch there yet): nothing else is done.
      await expect(client.task.pickAttempt.mutate({ taskId: upper, action: "pull_request" })).rejects.toThrow(/no branch main/);
      expect((await client.task.attempts.query({ groupId: created.groupId })).attempts.map((a) => a.state)).toEqual(["review", "review"]);
      wharf.git(repo, "push", "-q", "origin", "main");

      const picked = await client.task.pickAttempt.mutate({ taskId: upper, action: "pull_request" });
      expect(picked).toMatchObject({ state: "review", pullRequest: { number: 1, url: "https://github.example/acme/widget/pull/1" } });
      expect(picked.siblings.map((s) => [s.taskId, s.action])).toEqual([[lower, "discarded"]]);
      const request = forge.requests.find((r) => r.method === "POST")!;
      expect(request.body).toMatchObject({ base: "main", title: "Shout the first line." });
      // Nothing was applied locally: the pull request carries the change.
      expect(readFileSync(path.join(repo, "src/app.txt"), "utf8")).toBe("one\ntwo\nthree\n");
      const after = await client.task.attempts.query({ groupId: created.groupId });
      expect(after.attempts.map((a) => [a.state, a.prUrl])).toEqual([
        ["discarded", null],
        ["review", picked.pullRequest!.url],
      ]);
    } finally {
      await forge.close();
      rmSync(path.dirname(bare), { recursive: true, force: true });
    }
  });

  it("two people picking different attempts at once land one; the other is told", { timeout: 120_000 }, async () => {
    const repo = wharf.makeRepo();
    const project = await client.project.create.mutate({ path: repo });
    // The two changes touch different lines: without the group's lock both would apply.
    const created = await client.task.createAttempts.mutate({ projectId: project.id, prompt: "Either.", attempts: [{ agentId: "bo-upper" }, { agentId: "bo-lower" }] });
    for (const task of created.tasks) await waitForTask(client, task.id, ["review"], within(60_000));
    const results = await Promise.allSettled(created.tasks.map((task) => client.task.pickAttempt.mutate({ taskId: task.id })));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const refused = results.find((r) => r.status === "rejected");
    expect(refused?.reason).toMatchObject({ data: { code: "CONFLICT" } });
    const states = (await client.task.attempts.query({ groupId: created.groupId })).attempts.map((a) => a.state).sort();
    expect(states).toEqual(["applied", "discarded"]);
    expect(Number(wharf.git(repo, "rev-list", "--count", "main"))).toBe(2);
  });

  it("refuses bad input with what to do instead", async () => {
    const project = await client.project.create.mutate({ path: wharf.makeRepo() });
    await expect(client.task.createAttempts.mutate({ projectId: project.id, prompt: "x", attempts: [{ agentId: "bo-upper" }] })).rejects.toMatchObject({
      data: { code: "BAD_REQUEST" },
      message: expect.stringContaining("at least 2 attempts"),
    });
    await expect(
      client.task.createAttempts.mutate({ projectId: project.id, prompt: "x", attempts: Array.from({ length: 9 }, () => ({ agentId: "bo-upper" })) }),
    ).rejects.toMatchObject({ data: { code: "BAD_REQUEST" } });
    await expect(client.task.createAttempts.mutate({ projectId: project.id, prompt: "x", attempts: [{ agentId: "bo-upper" }, { agentId: "nope" }] })).rejects.toMatchObject({
      data: { code: "NOT_FOUND" },
      message: expect.stringContaining('Agent "nope" is not known'),
    });
    // Nothing was created by the refused calls.
    expect((await client.task.list.query({ projectId: project.id })).items).toEqual([]);
    const single = await client.task.create.mutate({ projectId: project.id, agentId: "bo-talk", prompt: "alone" });
    await expect(client.task.pickAttempt.mutate({ taskId: single.id })).rejects.toMatchObject({ data: { code: "BAD_REQUEST" }, message: expect.stringContaining("change.apply") });
    await expect(client.task.attempts.query({ groupId: single.id })).rejects.toMatchObject({ data: { code: "NOT_FOUND" } });
  });
});

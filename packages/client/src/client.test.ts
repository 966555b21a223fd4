import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWharfClient, errorKind, readToken, TaskEndedError, taskEvents, waitForTask, WharfTokenError, type LiveTaskEvent } from "./index.ts";
import { editWithPermission, scenarioPrompt, startTestWharf, type TestWharf } from "./testing/server.ts";

let wharf: TestWharf;
beforeAll(async () => {
  wharf = await startTestWharf();
}, 90_000);
afterAll(async () => {
  await wharf?.stop();
}, 30_000);

const client = () => createWharfClient({ url: wharf.url, token: readToken(wharf.home), actor: "client-test" });

describe("@wharf/client over real HTTP", () => {
  it("creates a task, answers its permission from the event stream, waits for review and applies", async () => {
    const wharfClient = client();
    const repo = wharf.makeRepo();
    const project = await wharfClient.project.create.mutate({ path: repo });
    const task = await wharfClient.task.create.mutate({ projectId: project.id, agentId: "scripted", prompt: scenarioPrompt(editWithPermission("hello.txt", "hi\n")) });

    const review = waitForTask(wharfClient, task.id, ["review"], { signal: AbortSignal.timeout(30_000) });
    const seen: LiveTaskEvent[] = [];
    const stop = new AbortController();
    for await (const item of taskEvents(wharfClient, task.id, { signal: stop.signal })) {
      seen.push(item);
      const { event } = item;
      if (event.type === "permission" && event.phase === "requested") {
        const allow = event.options.find((o) => o.kind === "allow_once")!;
        await wharfClient.permission.respond.mutate({ requestId: event.requestId, optionId: allow.optionId });
      }
      if (event.type === "status" && event.state === "review") stop.abort();
    }
    expect(seen.map((e) => e.seq)).toEqual(seen.map((_, i) => i + 1));
    const resolved = seen.find((e) => e.event.type === "permission" && e.event.phase === "resolved");
    expect(resolved?.event).toMatchObject({ answeredBy: "client-test", optionKind: "allow_once" });

    const reviewed = await review;
    expect(reviewed.change?.files).toEqual([expect.objectContaining({ path: "hello.txt", status: "added" })]);
    const applied = await wharfClient.change.apply.mutate({ taskId: task.id });
    expect(applied.state).toBe("applied");
    expect(readFileSync(path.join(repo, "hello.txt"), "utf8")).toBe("hi\n");
  });

  it("resumes task.events after the server cuts the stream, without losing or repeating an event", async () => {
    const wharfClient = client();
    const project = await wharfClient.project.create.mutate({ path: wharf.makeRepo() });
    const task = await wharfClient.task.create.mutate({
      projectId: project.id,
      agentId: "scripted",
      prompt: scenarioPrompt({ steps: Array.from({ length: 30 }, (_, i) => ({ type: "thought", text: `step ${i}`, delayMs: 50 })) }),
    });
    const seqs: number[] = [];
    let cut = false;
    const stop = new AbortController();
    const connection: string[] = [];
    const onConnection = (state: string, error: Error | null) => connection.push(error ? `${state} (error)` : state);
    for await (const { seq, event } of taskEvents(wharfClient, task.id, { signal: stop.signal, onConnection })) {
      seqs.push(seq);
      if (!cut && event.type === "message" && event.role === "thought") {
        cut = true;
        wharf.server.closeAllConnections();
      }
      if (event.type === "status" && event.state === "completed") stop.abort();
    }
    expect(cut).toBe(true);
    expect(connection.slice(0, 2)).toEqual(["connecting", "pending"]);
    expect(connection).toContain("connecting (error)");
    expect(connection.filter((c) => c === "pending").length).toBeGreaterThanOrEqual(2);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    const final = await wharfClient.task.get.query({ id: task.id });
    expect(seqs.at(-1)).toBe(final.lastSeq);
  });

  it("rejects waitForTask when the task ends in another state", async () => {
    const wharfClient = client();
    const project = await wharfClient.project.create.mutate({ path: wharf.makeRepo() });
    const task = await wharfClient.task.create.mutate({
      projectId: project.id,
      agentId: "scripted",
      prompt: scenarioPrompt({ steps: [{ type: "error", message: "the scenario fails on purpose" }] }),
    });
    const error = await waitForTask(wharfClient, task.id, ["review"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskEndedError);
    expect((error as TaskEndedError).state).toBe("failed");
    expect(errorKind(error)).toBe("task_failed");
  });

  it("classifies errors: wrong token, unknown task, unreachable server, missing token file", async () => {
    const wrong = createWharfClient({ url: wharf.url, token: "wharf_wrong_token_wharf_wrong_token_x" });
    expect(errorKind(await wrong.agent.list.query().catch((e: unknown) => e))).toBe("auth");
    const unknown = await client().task.get.query({ id: "00000000-0000-4000-8000-000000000000" }).catch((e: unknown) => e);
    expect(errorKind(unknown)).toBe("not_found");
    const nowhere = createWharfClient({ url: "http://127.0.0.1:9", token: "x" });
    expect(errorKind(await nowhere.agent.list.query().catch((e: unknown) => e))).toBe("unreachable");
    expect(() => readToken(path.join(wharf.home, "missing"))).toThrow(WharfTokenError);
  });
});

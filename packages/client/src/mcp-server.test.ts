import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { untilWoken } from "@wharf/common";
import { createWharfClient, errorKind, waitForTask, type WharfClient } from "./index.ts";
import { scenarioPrompt, startTestWharf, type TestWharf } from "./testing/server.ts";

/*
 * Wharf's own MCP server, end to end: a scripted agent (a real ACP agent process, in the OS sandbox
 * where it works) starts `wharf mcp` from its session/new as a real MCP client over stdio and calls
 * its tools; `wharf mcp` answers through the HTTP API with the token scoped to the agent's task.
 */

let wharf: TestWharf;
let client: WharfClient;
beforeAll(async () => {
  wharf = await startTestWharf();
  client = createWharfClient({ url: wharf.url, token: wharf.token });
}, 60_000);
afterAll(async () => {
  await wharf?.stop();
}, 30_000);

/** Waits for `check` to answer, checking again at each board change of the project (no fixed sleeps). */
async function boardWaiter(projectId: string) {
  const waiters = new Set<() => void>();
  let started!: () => void;
  const ready = new Promise<void>((resolve) => (started = resolve));
  const subscription = client.board.changes.subscribe({ projectId }, { onStarted: () => started(), onData: () => [...waiters].forEach((wake) => wake()) });
  await ready;
  const watch = (wake: () => void) => {
    waiters.add(wake);
    return () => waiters.delete(wake);
  };
  const waitFor = <T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 90_000) =>
    untilWoken(watch, check, { timeoutMs, onTimeout: () => new Error(`timed out after ${timeoutMs} ms waiting for ${what}`) });
  return { waitFor, close: () => subscription.unsubscribe() };
}

const codeOf = (error: unknown) => (error as { data?: { code?: string } }).data?.code;

async function refusal(call: Promise<unknown>): Promise<{ code: string | undefined; message: string }> {
  const error = await call.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, "the call should have been refused").not.toBeNull();
  return { code: codeOf(error), message: (error as Error).message };
}

describe("Wharf's MCP server for an agent", () => {
  it("lets an agent create dependent subtasks and follow them, and nothing else, until its task ends", async () => {
    const repo = wharf.makeRepo();
    // What the scripted agent records (its session, with the token) stays out of the change.
    writeFileSync(path.join(repo, ".gitignore"), "private/\n");
    wharf.git(repo, "add", ".gitignore");
    wharf.git(repo, "commit", "-q", "-m", "ignore private");
    const project = await client.project.create.mutate({ path: repo });
    await client.project.update.mutate({ id: project.id, wharfMcp: true });
    const board = await boardWaiter(project.id);

    const unrelated = await client.task.create.mutate({
      projectId: project.id,
      agentId: "scripted",
      prompt: scenarioPrompt({ steps: [{ type: "write_file", path: "unrelated.txt", content: "u\n" }] }),
    });
    const gated = scenarioPrompt({
      steps: [{ type: "permission", toolCallId: "gate", title: "Write first.txt", kind: "edit", onAllow: [{ type: "write_file", path: "first.txt", content: "first\n" }] }],
    });
    const second = scenarioPrompt({ steps: [{ type: "write_file", path: "second.txt", content: "second\n" }] });
    const parent = await client.task.create.mutate({
      projectId: project.id,
      agentId: "scripted",
      prompt: scenarioPrompt({
        steps: [
          { type: "record", path: "private/session.json" },
          { type: "env_dump", path: "private/env.json" },
          {
            type: "mcp",
            server: "wharf",
            record: "private/mcp.json",
            calls: [
              { tool: "create_subtask", arguments: { prompt: gated }, as: "first" },
              { tool: "create_subtask", arguments: { prompt: second, depends_on: ["$first.id"] }, as: "second" },
              { tool: "get_task", arguments: { id: unrelated.id } },
              { tool: "list_tasks" },
              { tool: "wait_for_task", arguments: { id: "$second.id", timeout_seconds: 180 }, timeoutMs: 200_000 },
            ],
          },
          { type: "write_file", path: "parent.txt", content: "split in two\n" },
        ],
      }),
    });

    // The agent's two subtasks: the first runs and waits for a person, the second waits for it.
    const tree = await board.waitFor(async () => {
      const task = await client.task.get.query({ id: parent.id });
      if (task.state === "failed") throw new Error(`the parent task failed: ${task.error}`);
      return task.subtasks.length === 2 ? task : undefined;
    }, "the agent's two subtasks");
    const [firstSub, secondSub] = tree.subtasks;
    await board.waitFor(async () => ((await client.task.get.query({ id: firstSub!.id })).state === "needs_input" ? true : undefined), "the first subtask's permission request");
    expect(await client.task.get.query({ id: secondSub!.id })).toMatchObject({ state: "blocked", parentId: parent.id, dependsOn: [expect.objectContaining({ id: firstSub!.id })] });

    // The token the agent's session got (the agent recorded its session/new).
    const session = JSON.parse(readFileSync(path.join(tree.worktreePath!, "private/session.json"), "utf8")) as {
      mcpServers: Array<{ name: string; command: string; args: string[]; env: Array<{ name: string; value: string }> }>;
    };
    const wharfServer = session.mcpServers.find((s) => s.name === "wharf")!;
    expect(wharfServer.args.at(-1)).toBe("mcp");
    const token = wharfServer.env.find((e) => e.name === "WHARF_TASK_TOKEN")!.value;
    expect(token).toMatch(/^wharf_task_/);
    const scoped = createWharfClient({ url: wharf.url, token });

    // With that token: no answering permissions, no reading other tasks, no board.
    const [request] = await client.permission.pending.query({ taskId: firstSub!.id });
    const allow = (request!.options as Array<{ optionId: string; kind: string }>).find((o) => o.kind === "allow_once")!;
    const respond = await refusal(scoped.permission.respond.mutate({ requestId: request!.id, optionId: allow.optionId }));
    expect(respond).toMatchObject({ code: "FORBIDDEN", message: expect.stringContaining("permission.respond needs Wharf's access token") });
    expect(await refusal(scoped.task.get.query({ id: unrelated.id }))).toMatchObject({ code: "FORBIDDEN" });
    expect(await refusal(scoped.mcp.getTask.query({ id: unrelated.id }))).toMatchObject({ code: "FORBIDDEN" });
    expect(await refusal(scoped.change.apply.mutate({ taskId: unrelated.id }))).toMatchObject({ code: "FORBIDDEN" });
    expect(await client.task.get.query({ id: firstSub!.id })).toMatchObject({ state: "needs_input" });

    // A person answers; the second subtask runs after the first reaches review, queued by that transition.
    await client.permission.respond.mutate({ requestId: request!.id, optionId: allow.optionId });
    await waitForTask(client, secondSub!.id, ["review"], { signal: AbortSignal.timeout(90_000) });
    const statuses = (await client.task.history.query({ taskId: secondSub!.id })).events.flatMap((e) => (e.event.type === "status" ? [e.event.state] : []));
    expect(statuses).toEqual(["blocked", "queued", "running", "review"]);

    // The agent's own calls, as it saw them: its wait ended with the second subtask in review.
    const done = await waitForTask(client, parent.id, ["review"], { signal: AbortSignal.timeout(90_000) });
    const calls = JSON.parse(readFileSync(path.join(done.worktreePath!, "private/mcp.json"), "utf8")) as Array<{ tool: string; isError: boolean; result: unknown }>;
    expect(calls.map((c) => [c.tool, c.isError])).toEqual([
      ["create_subtask", false],
      ["create_subtask", false],
      ["get_task", true],
      ["list_tasks", false],
      ["wait_for_task", false],
    ]);
    expect(calls[1]!.result).toMatchObject({ id: secondSub!.id, state: "blocked", dependsOn: [{ id: firstSub!.id }] });
    expect(calls[2]!.result).toMatch(/^FORBIDDEN: /);
    expect(calls[3]!.result).toMatchObject({ task: { id: parent.id }, subtasks: [{ id: firstSub!.id }, { id: secondSub!.id }] });
    expect(calls[4]!.result).toMatchObject({ timedOut: false, task: { id: secondSub!.id, state: "review", change: { files: 1, additions: 1 } } });

    // The token is nowhere in the task's events, the agent's environment, the runner's log, nor the change.
    const history = await client.task.history.query({ taskId: parent.id, limit: 2000 });
    expect(JSON.stringify(history)).not.toContain(token);
    expect(readFileSync(path.join(done.worktreePath!, "private/env.json"), "utf8")).not.toContain(token);
    expect(wharf.runnerOutput()).not.toContain(token);
    expect(done.change?.files.map((f) => f.path)).toEqual(["parent.txt"]);

    // The task ends: its token stops working.
    await expect(scoped.mcp.listTasks.query()).resolves.toMatchObject({ task: { id: parent.id } });
    await client.change.discard.mutate({ taskId: parent.id });
    const ended = await refusal(scoped.mcp.listTasks.query());
    expect(ended).toMatchObject({ code: "UNAUTHORIZED", message: `Task ${parent.id} has ended (discarded); the token scoped to it no longer works.` });
    expect(errorKind(await scoped.mcp.getTask.query({ id: secondSub!.id }).catch((e: unknown) => e))).toBe("auth");
    board.close();
  }, 240_000);
});

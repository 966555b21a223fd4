import { readFileSync } from "node:fs";
import path from "node:path";
import type { TaskEvent } from "@wharf/api/schemas";
import { deadBaseUrl, lastMessage, startFakeOpenAi, type FakeOpenAi, type FakeReply, type FakeRequest } from "@wharf/native-agent/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeRepo } from "./testing/git-fixture";
import { scenario } from "./testing/hanging-agent";
import { startStack, type Stack } from "./testing/stack";

/**
 * The native agent end to end: a real runner starts it for a task, it streams from a fake
 * OpenAI-compatible server (real HTTP, SSE, tool calls in pieces), reads and edits through the
 * runner's ACP client, and asks for permission through the same broker as any ACP agent.
 */

const apiKey = "sk-native-test-key-0123456789";

let stack: Stack;
let server: FakeOpenAi;
beforeAll(async () => {
  stack = await startStack();
  server = await startFakeOpenAi(script);
}, 60_000);
afterAll(async () => {
  await server?.close();
  await stack?.stop();
}, 30_000);

/** The name of the tool whose result `request`'s last message is. */
function answeredTool(request: FakeRequest): string | undefined {
  const last = lastMessage(request);
  if (last.role !== "tool") return undefined;
  const calls = request.body.messages.flatMap((m) => m.tool_calls ?? []);
  return calls.find((c) => c.id === last.tool_call_id)?.function.name;
}

/** What the "model" does: decided by the conversation so far, like a real one. */
function script(request: FakeRequest): FakeReply {
  const last = lastMessage(request);
  const prompt = request.body.messages.find((m) => m.role === "user")?.content ?? "";
  if (last.role === "user") {
    if (prompt.includes("run the checks")) {
      return { text: "Listing, then checking.", toolCalls: [{ name: "list_files", args: {} }, { name: "run_command", args: { command: 'echo "key=[$WHARF_NATIVE_API_KEY] home=[$HOME]"; exit 3' } }] };
    }
    return { text: "Let me look at the app first.", toolCalls: [{ name: "read_file", args: { path: "src/app.txt" } }], pieces: 4 };
  }
  switch (answeredTool(request)) {
    case "read_file":
      return { text: "I'll make two shout.", toolCalls: [{ name: "edit_file", args: { path: "src/app.txt", old_string: "two\n", new_string: "TWO\n" } }] };
    case "edit_file":
      return { text: last.content?.includes("refused") ? "Understood, I left the file alone." : "Done: two now shouts." };
    case "run_command":
      return { text: "Checked." };
    default:
      return { text: "Nothing more to do." };
  }
}

async function nativeAgent(id: string, baseUrl: string): Promise<void> {
  await stack.api.agent.upsert({
    id,
    name: `Native ${id}`,
    transport: "native",
    env: { WHARF_NATIVE_BASE_URL: baseUrl, WHARF_NATIVE_MODEL: "fake-coder", WHARF_NATIVE_IDLE_TIMEOUT_MS: "5000" },
    secretEnv: { WHARF_NATIVE_API_KEY: apiKey },
  });
}

async function answerPermission(taskId: string, kind: "allow_once" | "allow_always" | "reject_once"): Promise<void> {
  await stack.waitForEvent(taskId, (e) => e.type === "permission" && e.phase === "requested", "a permission request");
  const [request] = await stack.api.permission.pending({ taskId });
  const option = (request!.options as Array<{ optionId: string; kind: string }>).find((o) => o.kind === kind)!;
  await stack.api.permission.respond({ requestId: request!.id, optionId: option.optionId });
}

/**
 * What a timeline looks like regardless of ids, wording and how text was chunked. The slash
 * commands an agent offers (`commands`) and token counts (`usage`) are about the agent, not the
 * work, and are left out.
 */
function shape(events: TaskEvent[]): string[] {
  const out: string[] = [];
  for (const e of events) {
    let s: string;
    if (e.type === "commands" || e.type === "usage") continue;
    if (e.type === "message") s = `message:${e.role}`;
    else if (e.type === "tool_call") {
      const content = (e.content ?? []).map((c) => c.type).join("+");
      s = `tool_call:${e.kind ?? "-"}:${e.status ?? "-"}:${content}:${e.locations ? `${e.locations.length} location` : ""}`;
    } else if (e.type === "permission") {
      s = e.phase === "requested" ? `permission:requested:${e.kind}:${e.options.map((o) => o.kind).join("+")}` : `permission:resolved:${e.outcome}:${e.optionKind}`;
    } else if (e.type === "status") s = `status:${e.state}`;
    else s = e.type;
    if (!(e.type === "message" && out.at(-1) === s)) out.push(s);
  }
  return out;
}

const agentText = (events: TaskEvent[]) => events.flatMap((e) => (e.type === "message" && e.role === "agent" ? [e.text] : [])).join("");
const diff = { type: "diff", path: "src/app.txt", oldText: "one\ntwo\nthree\n", newText: "one\nTWO\nthree\n" };

/** The scripted ACP agent doing what the native agent does above, step by step. */
const scriptedEquivalent = scenario({
  steps: [
    { type: "text", text: "Let me look at the app first.", chunks: 2 },
    { type: "tool_call", id: "read-1", title: "Read src/app.txt", kind: "read", status: "in_progress", locations: [{ path: "src/app.txt" }] },
    { type: "read_file", path: "src/app.txt" },
    { type: "tool_call_update", id: "read-1", status: "completed" },
    { type: "text", text: "I'll make two shout." },
    { type: "tool_call", id: "edit-1", title: "Edit src/app.txt", kind: "edit", status: "pending", content: [diff], locations: [{ path: "src/app.txt" }] },
    {
      type: "permission",
      toolCallId: "edit-1",
      title: "Edit src/app.txt",
      kind: "edit",
      content: [diff],
      locations: [{ path: "src/app.txt" }],
      onAllow: [
        { type: "tool_call_update", id: "edit-1", status: "in_progress" },
        { type: "write_file", path: "src/app.txt", content: diff.newText },
        { type: "tool_call_update", id: "edit-1", status: "completed" },
        { type: "text", text: "Done: two now shouts." },
      ],
    },
  ],
});

describe("the native agent", () => {
  it("reads, asks before editing, edits after allow, and its timeline has the same shape as an ACP agent's", async () => {
    await nativeAgent("native-fake", server.baseUrl);
    const p = await stack.api.project.create({ path: makeRepo() });
    const before = server.requests.length;
    const created = await stack.api.task.create({ projectId: p.id, agentId: "native-fake", prompt: "Make the second line of src/app.txt shout." });
    await answerPermission(created.id, "allow_once");
    const task = await stack.waitForState(created.id, ["review", "failed", "completed"]);
    expect(task.state, task.error ?? "").toBe("review");
    expect(task.change?.files).toEqual([expect.objectContaining({ path: "src/app.txt", status: "modified", additions: 1, deletions: 1 })]);
    expect((await stack.api.change.get({ taskId: created.id })).diff).toContain("+TWO");
    expect(readFileSync(path.join(task.worktreePath!, "src/app.txt"), "utf8")).toBe("one\nTWO\nthree\n");

    // The model saw the file through the runner's fs/read_text_file and was told the edit happened.
    const requests = server.requests.slice(before);
    expect(requests).toHaveLength(3);
    expect(requests.every((r) => r.authorization === `Bearer ${apiKey}` && r.body.model === "fake-coder" && r.body.stream)).toBe(true);
    expect(lastMessage(requests[1]!).content).toBe("one\ntwo\nthree\n");
    expect(lastMessage(requests[2]!).content).toBe("Updated src/app.txt.");

    const events = (await stack.events(created.id)).map((e) => e.event);
    expect(agentText(events)).toBe("Let me look at the app first.I'll make two shout.Done: two now shouts.");
    const tools = events.flatMap((e) => (e.type === "tool_call" ? [e] : []));
    expect(tools[0]).toMatchObject({ title: "Read src/app.txt", kind: "read", status: "in_progress", locations: [{ path: path.join(task.worktreePath!, "src/app.txt") }] });
    expect(tools.find((t) => t.kind === "edit")).toMatchObject({ title: "Edit src/app.txt", status: "pending", content: [{ ...diff, path: path.join(task.worktreePath!, "src/app.txt") }] });
    expect(tools.at(-1)).toMatchObject({ status: "completed" });
    expect(events.filter((e) => e.type === "usage")).toEqual([{ type: "usage", inputTokens: 300, outputTokens: 30, totalTokens: 330 }]);

    // The same work done by the scripted ACP agent gives the same timeline, event for event.
    const scripted = await stack.api.task.create({ projectId: (await stack.api.project.create({ path: makeRepo() })).id, agentId: "scripted", prompt: scriptedEquivalent });
    await answerPermission(scripted.id, "allow_once");
    expect((await stack.waitForState(scripted.id, ["review", "failed", "completed"])).state).toBe("review");
    const scriptedEvents = (await stack.events(scripted.id)).map((e) => e.event);
    expect(shape(events)).toEqual(shape(scriptedEvents));
    expect(shape(events)).toEqual(expect.arrayContaining(["tool_call:read:in_progress::1 location", "tool_call:edit:pending:diff:1 location", "permission:requested:edit:allow_once+allow_always+reject_once"]));
  }, 90_000);

  it("writes nothing when the edit is rejected, and tells the model", async () => {
    const p = await stack.api.project.create({ path: makeRepo() });
    const before = server.requests.length;
    const created = await stack.api.task.create({ projectId: p.id, agentId: "native-fake", prompt: "Make the second line of src/app.txt shout." });
    await answerPermission(created.id, "reject_once");
    const task = await stack.waitForState(created.id, ["review", "failed", "completed"]);
    expect(task.state, task.error ?? "").toBe("completed");
    expect(readFileSync(path.join(task.worktreePath!, "src/app.txt"), "utf8")).toBe("one\ntwo\nthree\n");
    const told = lastMessage(server.requests.at(-1)!);
    expect(server.requests.length - before).toBe(3);
    expect(told.role).toBe("tool");
    expect(told.content).toMatch(/refused permission to change src\/app.txt; nothing was written/);
    const events = (await stack.events(created.id)).map((e) => e.event);
    expect(agentText(events)).toContain("Understood, I left the file alone.");
    const tools = events.flatMap((e) => (e.type === "tool_call" ? [e] : []));
    const editId = tools.find((t) => t.kind === "edit")?.toolCallId;
    expect(tools.filter((t) => t.toolCallId === editId).at(-1)).toMatchObject({ status: "failed", content: [{ type: "text", text: "The user refused this change." }] });
  }, 60_000);

  it("lists files and runs a command through the runner's terminals, without its API key in their environment", async () => {
    const p = await stack.api.project.create({ path: makeRepo() });
    const before = server.requests.length;
    const created = await stack.api.task.create({ projectId: p.id, agentId: "native-fake", prompt: "Please run the checks." });
    await answerPermission(created.id, "allow_once");
    const task = await stack.waitForState(created.id, ["review", "failed", "completed"]);
    expect(task.state, task.error ?? "").toBe("completed");
    const requests = server.requests.slice(before);
    const results = requests[1]!.body.messages.filter((m) => m.role === "tool").map((m) => m.content ?? "");
    expect(results[0]).toBe("README.md\nsrc/app.txt\n");
    expect(results[1]).toContain("The command exited with code 3.");
    expect(results[1]).toContain("key=[] home=[");
    expect(results[1]).not.toContain(apiKey);
    const events = (await stack.events(created.id)).map((e) => e.event);
    const kinds = events.flatMap((e) => (e.type === "tool_call" && e.kind ? [`${e.kind}:${e.status}`] : []));
    expect(kinds).toEqual(["search:in_progress", "execute:pending", "execute:awaiting_permission"]);
    const statuses = events.flatMap((e) => (e.type === "tool_call" ? [e.status] : []));
    expect(statuses.slice(-2)).toEqual(["in_progress", "failed"]);
    expect(events.some((e) => e.type === "terminal_output" && e.data.includes("key=[]"))).toBe(true);
    expect(JSON.stringify(events)).not.toContain(apiKey);
  }, 60_000);

  it("fails the task with a message naming the endpoint when nothing answers there", async () => {
    const url = await deadBaseUrl();
    await nativeAgent("native-down", url);
    const p = await stack.api.project.create({ path: makeRepo() });
    const started = Date.now();
    const created = await stack.api.task.create({ projectId: p.id, agentId: "native-down", prompt: "hello" });
    const task = await stack.waitForState(created.id, ["failed", "completed", "review"], 20_000);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(task.state).toBe("failed");
    expect(task.error).toContain(`The model endpoint ${url}/chat/completions could not be reached`);
    expect(task.error).toContain("ECONNREFUSED");
    expect(task.error).not.toContain(apiKey);
  }, 30_000);
});

import { existsSync, readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { editWithPermission } from "@wharf/test-agent";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { git, makeRepo } from "./testing/git-fixture";
import { hangingAgent, scenario } from "./testing/hanging-agent";
import { alive } from "./testing/processes";
import { startStack, type Stack } from "./testing/stack";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
}, 60_000);
// A second runner with the OS sandbox off, started by the first test that needs it: for the tests
// that look at host pids or at files the agent writes outside its worktree.
let unconfinedStack: Promise<Stack> | undefined;
const unconfined = () => (unconfinedStack ??= startStack({ sandbox: "off" }));
afterAll(async () => {
  await stack?.stop();
  await (await unconfinedStack)?.stop();
}, 30_000);

async function project(repo = makeRepo(), on = stack) {
  return { repo, project: await on.api.project.create({ path: repo }) };
}

describe("the task path", () => {
  it("runs a task to review with a permission, and applies it next to the user's uncommitted work", async () => {
    const { repo, project: p } = await project();
    writeFileSync(path.join(repo, "README.md"), "# demo\nan uncommitted edit of the user\n");

    const created = await stack.api.task.create({ projectId: p.id, agentId: "scripted", prompt: scenario(editWithPermission("hello.txt", "hello from the agent\n")) });
    expect(created.state).toBe("queued");

    const asked = await stack.waitForEvent(created.id, (e) => e.type === "permission" && e.phase === "requested", "a permission request");
    const pending = await stack.api.permission.pending({ taskId: created.id });
    expect(pending).toHaveLength(1);
    expect((await stack.api.task.get({ id: created.id })).state).toBe("needs_input");
    const allow = (pending[0]!.options as Array<{ optionId: string; kind: string }>).find((o) => o.kind === "allow_once")!;
    await stack.api.permission.respond({ requestId: pending[0]!.id, optionId: allow.optionId });
    await expect(stack.api.permission.respond({ requestId: pending[0]!.id, optionId: allow.optionId })).rejects.toThrow(/already answered/);

    const task = await stack.waitForState(created.id, ["review"]);
    expect(task.change?.files).toEqual([expect.objectContaining({ path: "hello.txt", status: "added", additions: 1 })]);

    const events = await stack.events(created.id);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const types = events.map((e) => e.event.type);
    expect(types[0]).toBe("message");
    const kinds = events.map((e) => (e.event.type === "status" ? `status:${e.event.state}` : e.event.type));
    const order = ["status:queued", "status:running", "message", "plan", "tool_call", "permission", "status:needs_input", "permission", "status:running", "change_ready", "status:review"];
    let at = 0;
    for (const kind of kinds) if (kind === order[at]) at += 1;
    expect(at, `events in order; got ${kinds.join(", ")}`).toBe(order.length);
    expect(asked.seq).toBeGreaterThan(0);
    const agentText = events.flatMap((e) => (e.event.type === "message" && e.event.role === "agent" ? [e.event.text] : [])).join("");
    expect(agentText).toContain("Let me look at the project first.");
    expect(agentText).toContain("Done: wrote the file.");

    const change = await stack.api.change.get({ taskId: created.id });
    expect(change.diff).toContain("+hello from the agent");

    // A server-side caller's proxy reads a trailing `.apply(...)` as Function.prototype.apply;
    // `.call(null, input)` reaches the procedure (HTTP clients use `change.apply.mutate`).
    const applied = await stack.api.change.apply.call(null, { taskId: created.id });
    expect(applied.state).toBe("applied");
    expect(git(repo, "show", "main:hello.txt")).toBe("hello from the agent");
    expect(readFileSync(path.join(repo, "hello.txt"), "utf8")).toBe("hello from the agent\n");
    expect(readFileSync(path.join(repo, "README.md"), "utf8")).toBe("# demo\nan uncommitted edit of the user\n");
    expect(git(repo, "status", "--porcelain")).toBe("M README.md");
    expect((await stack.api.task.get({ id: created.id })).state).toBe("applied");
  }, 60_000);

  it("reports a conflicting apply without touching the repository, and discards the change", async () => {
    const { repo, project: p } = await project();
    const created = await stack.api.task.create({
      projectId: p.id,
      agentId: "scripted",
      prompt: scenario({ steps: [{ type: "write_file", path: "src/app.txt", content: "one\nTWO from the agent\nthree\n" }] }),
    });
    const task = await stack.waitForState(created.id, ["review", "failed"]);
    expect(task.state).toBe("review");
    // Meanwhile the user changed the same line on the base branch.
    writeFileSync(path.join(repo, "src/app.txt"), "one\ntwo from the user\nthree\n");
    git(repo, "commit", "-qam", "user edit");
    const head = git(repo, "rev-parse", "HEAD");
    await expect(stack.api.change.apply.call(null, { taskId: created.id })).rejects.toMatchObject({ code: "CONFLICT", message: expect.stringMatching(/src\/app.txt/) });
    expect(git(repo, "rev-parse", "HEAD")).toBe(head);
    expect(git(repo, "status", "--porcelain")).toBe("");
    expect((await stack.api.change.get({ taskId: created.id })).state).toBe("conflict");

    await stack.api.change.discard({ taskId: created.id });
    expect((await stack.api.task.get({ id: created.id })).state).toBe("discarded");
    expect(existsSync(task.worktreePath!)).toBe(false);
    expect(git(repo, "branch", "--list", `wharf/${created.id}`)).toBe("");
  }, 60_000);

  it("remembers allow_always for the rest of the task, per tool kind", async () => {
    const { project: p } = await project();
    const edit = (id: string, file: string) => ({
      type: "permission",
      toolCallId: id,
      title: `Write ${file}`,
      kind: "edit",
      onAllow: [{ type: "write_file", path: file, content: `${file}\n` }],
    });
    const created = await stack.api.task.create({ projectId: p.id, agentId: "scripted", prompt: scenario({ steps: [edit("e1", "one.txt"), edit("e2", "two.txt")] }) });
    await stack.waitForEvent(created.id, (e) => e.type === "permission" && e.phase === "requested", "the first permission request");
    const [first] = await stack.api.permission.pending({ taskId: created.id });
    const always = (first!.options as Array<{ optionId: string; kind: string }>).find((o) => o.kind === "allow_always")!;
    await stack.api.permission.respond({ requestId: first!.id, optionId: always.optionId });
    const task = await stack.waitForState(created.id, ["review", "failed"], 10_000);
    expect(task.state).toBe("review");
    expect(task.change?.files.map((f) => f.path).sort()).toEqual(["one.txt", "two.txt"]);
    const resolved = (await stack.events(created.id)).flatMap((e) => (e.event.type === "permission" && e.event.phase === "resolved" ? [e.event] : []));
    expect(resolved.map((r) => r.answeredBy)).toEqual(["api", "remembered"]);
  }, 60_000);

  it("tells the agent when permission is rejected and writes nothing", async () => {
    const { project: p } = await project();
    const created = await stack.api.task.create({ projectId: p.id, agentId: "scripted", prompt: scenario(editWithPermission("nope.txt", "x\n")) });
    await stack.waitForEvent(created.id, (e) => e.type === "permission" && e.phase === "requested", "a permission request");
    const [request] = await stack.api.permission.pending({ taskId: created.id });
    const reject = (request!.options as Array<{ optionId: string; kind: string }>).find((o) => o.kind === "reject_once")!;
    await stack.api.permission.respond({ requestId: request!.id, optionId: reject.optionId });
    const task = await stack.waitForState(created.id, ["completed", "review", "failed"]);
    expect(task.state).toBe("completed");
    const text = (await stack.events(created.id)).flatMap((e) => (e.event.type === "message" && e.event.role === "agent" ? [e.event.text] : [])).join("");
    expect(text).toContain("I was told no and wrote nothing");
    expect(task.worktreePath && existsSync(path.join(task.worktreePath, "nope.txt"))).toBeFalsy();
  }, 60_000);

  it("cancels a hanging agent within 10 s and leaves no process behind", async () => {
    const stack = await unconfined(); // host pids / files outside the worktree
    const { project: p } = await project(makeRepo(), stack);
    const hanging = hangingAgent();
    const created = await stack.api.task.create({ projectId: p.id, agentId: "scripted", prompt: hanging.prompt });
    await stack.waitForEvent(created.id, (e) => e.type === "message" && e.role === "agent", "the agent's first words");
    const started = Date.now();
    await stack.api.task.cancel({ id: created.id });
    const task = await stack.waitForState(created.id, ["cancelled"], 10_000);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(task.state).toBe("cancelled");
    const { agent: agentPid, child: childPid } = hanging.pids();
    expect(alive(agentPid)).toBe(false);
    expect(alive(childPid)).toBe(false);
  }, 30_000);

  it("fails a task whose agent exits mid-turn, with its stderr tail", async () => {
    const { project: p } = await project();
    const created = await stack.api.task.create({
      projectId: p.id,
      agentId: "scripted",
      prompt: scenario({ steps: [{ type: "text", text: "working" }, { type: "exit", code: 3, stderr: "fatal: the model went away\n" }] }),
    });
    const task = await stack.waitForState(created.id, ["failed"]);
    expect(task.error).toMatch(/Scripted test agent/);
    const errors = (await stack.events(created.id)).flatMap((e) => (e.event.type === "error" ? [e.event] : []));
    expect(errors.map((e) => `${e.message}\n${e.detail ?? ""}`).join("\n")).toContain("fatal: the model went away");
  }, 30_000);

  it("refuses reads outside the worktree", async () => {
    const { repo, project: p } = await project();
    const secret = path.join(path.dirname(repo), `wharf-secret-${Date.now()}.txt`);
    writeFileSync(secret, "top secret");
    const created = await stack.api.task.create({
      projectId: p.id,
      agentId: "scripted",
      prompt: scenario({
        steps: [
          { type: "read_file", path: "../../../../../../etc/passwd", echo: true, onError: "continue" },
          { type: "read_file", path: secret, echo: true, onError: "continue" },
          { type: "text", text: "finished reading" },
        ],
      }),
    });
    await stack.waitForState(created.id, ["completed", "review", "failed"]);
    const text = (await stack.events(created.id)).flatMap((e) => (e.event.type === "message" && e.event.role === "agent" ? [e.event.text] : [])).join("");
    expect(text).toContain("finished reading");
    expect(text).not.toContain("top secret");
    expect(text).not.toContain("root:");
  }, 30_000);

  it("runs 8 tasks on one repository at once, each in its own worktree", async () => {
    const { project: p } = await project();
    const ids = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        stack.api.task
          .create({ projectId: p.id, agentId: "scripted", prompt: scenario({ steps: [{ type: "write_file", path: `out-${i}.txt`, content: `task ${i}\n` }, { type: "text", text: `wrote ${i}` }] }) })
          .then((t) => t.id),
      ),
    );
    const tasks = await Promise.all(ids.map((id) => stack.waitForState(id, ["review", "failed", "completed"], 45_000)));
    expect(tasks.map((t) => t.state)).toEqual(Array(8).fill("review"));
    expect(new Set(tasks.map((t) => t.worktreePath)).size).toBe(8);
    for (const [i, t] of tasks.entries()) expect(t.change?.files).toEqual([expect.objectContaining({ path: `out-${i}.txt` })]);
  }, 60_000);

  it("continues a task in review with a follow-up prompt in the same session", async () => {
    const { project: p } = await project();
    const created = await stack.api.task.create({
      projectId: p.id,
      agentId: "scripted",
      prompt: scenario({ turns: [[{ type: "write_file", path: "a.txt", content: "a\n" }], [{ type: "write_file", path: "b.txt", content: "b\n" }, { type: "text", text: "second turn" }]] }),
    });
    const first = await stack.waitForState(created.id, ["review", "failed"]);
    expect(first.state).toBe("review");
    await stack.api.task.prompt({ id: created.id, prompt: "now the second file" });
    await stack.waitForEvent(created.id, (e) => e.type === "message" && e.role === "agent" && e.text.includes("second turn"), "the second turn");
    const second = await stack.waitForState(created.id, ["review", "failed"]);
    expect(second.change?.files.map((f) => f.path).sort()).toEqual(["a.txt", "b.txt"]);
    expect(second.sessionId ?? null).toBe(first.sessionId ?? null);
  }, 60_000);

  it("runs the ACP SDK's own example agent to an end state", async () => {
    const { project: p } = await project();
    const created = await stack.api.task.create({ projectId: p.id, agentId: "acp-example", prompt: "Hello, example agent" });
    // The example agent asks for permission once; answer whatever it offers first (allow).
    await stack.waitForEvent(created.id, (e) => e.type === "permission" && e.phase === "requested", "the example agent's permission request", 30_000).then(async () => {
      const [request] = await stack.api.permission.pending({ taskId: created.id });
      const options = request!.options as Array<{ optionId: string; kind: string }>;
      await stack.api.permission.respond({ requestId: request!.id, optionId: (options.find((o) => o.kind.startsWith("allow")) ?? options[0]!).optionId });
    });
    const task = await stack.waitForState(created.id, ["completed", "review", "failed"], 30_000);
    expect(task.error).toBeNull();
    expect(["completed", "review"]).toContain(task.state);
    const text = (await stack.events(created.id)).filter((e) => e.event.type === "message" && e.event.role === "agent");
    expect(text.length).toBeGreaterThan(0);
  }, 60_000);
});

describe("agent environment", () => {
  it("carries no database URL, token or PostgreSQL settings from the runner", async () => {
    const stack = await unconfined(); // host pids / files outside the worktree
    const saved = { ...process.env };
    process.env.DATABASE_URL = stack.db.url;
    process.env.WHARF_TOKEN = "wharf_secret_that_must_not_leak";
    process.env.PGPASSWORD = "pg-secret";
    try {
      const { project: p } = await project(makeRepo(), stack);
      const dump = path.join(mkdtempSync(path.join(os.tmpdir(), "wharf-env-")), "env.json");
      const created = await stack.api.task.create({ projectId: p.id, agentId: "scripted", prompt: scenario({ steps: [{ type: "env_dump", path: dump }] }) });
      await stack.waitForState(created.id, ["completed", "review", "failed"]);
      const text = readFileSync(dump, "utf8");
      expect(text).toContain("PATH");
      expect(text).not.toContain("DATABASE_URL");
      expect(text).not.toContain("wharf_secret_that_must_not_leak");
      expect(text).not.toContain("pg-secret");
      expect(text).not.toContain(stack.db.url);
    } finally {
      process.env = saved;
    }
  }, 30_000);
});

describe("bad input", () => {
  it("refuses bad projects, agents and prompts, and stores nothing", async () => {
    const before = await stack.api.task.list({});
    const projectsBefore = await stack.api.project.list();
    await expect(stack.api.project.create({ path: "/no/such/directory/anywhere" })).rejects.toThrow(/does not exist/i);
    await expect(stack.api.project.create({ path: mkdtempSync(path.join(os.tmpdir(), "plain-")) })).rejects.toThrow(/not a git/i);
    await expect(stack.api.project.create({ path: "relative/path" })).rejects.toThrow(/absolute/i);
    const { project: p } = await project();
    await expect(stack.api.task.create({ projectId: p.id, agentId: "no-such-agent", prompt: "hi" })).rejects.toThrow(/not known/);
    await expect(stack.api.task.create({ projectId: p.id, agentId: "scripted", prompt: "   " })).rejects.toThrow(/empty/);
    await expect(stack.api.task.create({ projectId: p.id, agentId: "scripted", prompt: "x".repeat(100_001) })).rejects.toThrow(/at most/);
    await expect(stack.callerFor(null).task.list({})).rejects.toThrow(/access token/);
    await expect(stack.callerFor("wrong-token-wrong-token-wrong-token").task.create({ projectId: p.id, agentId: "scripted", prompt: "hi" })).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    expect((await stack.api.task.list({})).items.length).toBe(before.items.length);
    expect((await stack.api.project.list()).length).toBe(projectsBefore.length + 1);
  }, 30_000);

  it("fails a turn whose work cannot be put on the branch, and keeps its worktree with the work in it", async () => {
    const { project: p } = await project();
    // The agent writes its work, then breaks its worktree's link to the repository: Wharf refuses
    // to run git there (see pinWorktree), so the work cannot be committed.
    const created = await stack.api.task.create({
      projectId: p.id,
      agentId: "scripted",
      prompt: scenario({
        steps: [
          { type: "write_file", path: "work.txt", content: "the agent's work\n" },
          { type: "terminal", command: "sh", args: ["-c", "echo 'gitdir: /nowhere' > .git"] },
          { type: "text", text: "done" },
        ],
      }),
    });
    const task = await stack.waitForState(created.id, ["failed"]);
    const kept = /Its worktree is kept at (.+): nothing in it was deleted\./.exec(task.error ?? "")?.[1];
    expect(kept, task.error ?? "no error").toBeTruthy();
    expect(readFileSync(path.join(kept!, "work.txt"), "utf8")).toBe("the agent's work\n");
  }, 30_000);
});

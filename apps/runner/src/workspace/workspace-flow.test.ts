import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { readServiceCallInput, serviceToolCallPrefix, type TaskEvent } from "@wharf/api/schemas";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { git, makeRepo } from "../testing/git-fixture";
import { scenario } from "../testing/hanging-agent";
import { pidsWithArg } from "../testing/processes";
import { startStack, type Stack } from "../testing/stack";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
}, 60_000);
afterAll(async () => {
  await stack?.stop();
}, 30_000);

/** A tiny npm package as a tarball (npm's layout: everything under package/). */
function depTarball(): Buffer {
  const dir = mkdtempSync(path.join(os.tmpdir(), "wharf-dep-"));
  mkdirSync(path.join(dir, "package"));
  writeFileSync(path.join(dir, "package/package.json"), JSON.stringify({ name: "local-greeting", version: "1.0.0", main: "index.js" }));
  writeFileSync(path.join(dir, "package/index.js"), "module.exports = (name) => `hello ${name}`;\n");
  execFileSync("tar", ["-czf", "dep.tgz", "package"], { cwd: dir });
  return readFileSync(path.join(dir, "dep.tgz"));
}

/** A project whose dependency is served from a tarball in the repository, with an ignored .env in the checkout. */
async function nodeProject(settings: Parameters<Stack["api"]["project"]["update"]>[0] extends infer T ? Omit<T & object, "id"> : never) {
  const repo = makeRepo({
    ".gitignore": "node_modules/\n.env\n.setup-marker\n",
    "package.json": JSON.stringify({ name: "demo", version: "1.0.0", dependencies: { "local-greeting": "file:vendor/local-greeting-1.0.0.tgz" } }),
  });
  mkdirSync(path.join(repo, "vendor"));
  writeFileSync(path.join(repo, "vendor/local-greeting-1.0.0.tgz"), depTarball());
  git(repo, "add", "-A");
  git(repo, "commit", "-q", "-m", "vendor the dependency");
  writeFileSync(path.join(repo, ".env"), "SECRET_TOKEN=from-the-checkout\n");
  const project = await stack.api.project.create({ path: repo });
  await stack.api.project.update({ id: project.id, ...settings });
  return { repo, project };
}

const setupCall = (event: TaskEvent) => event.type === "tool_call" && event.toolCallId.startsWith("wharf-setup-");

async function errorOf(taskId: string) {
  const events = await stack.events(taskId);
  return events.flatMap((e) => (e.event.type === "error" ? [e.event] : [])).at(-1);
}

describe("workspace setup", () => {
  it("copies ignored files, installs a local dependency before the agent starts, keeps both out of the change, and tears down on discard", async () => {
    const { project } = await nodeProject({
      setupScript: "npm install --offline --no-audit --no-fund --no-package-lock && echo ready > .setup-marker && echo setup-done",
      teardownScript: 'echo torn-down > "$WHARF_CACHE_DIR/teardown-$(basename "$PWD")"',
      copyFiles: [".env", "missing/*.key"],
    });
    const created = await stack.api.task.create({
      projectId: project.id,
      agentId: "scripted",
      prompt: scenario({
        steps: [
          {
            type: "terminal",
            command: "node",
            args: ["-e", "const greet = require('local-greeting'); require('fs').accessSync('.setup-marker'); console.log(greet('tests'), require('fs').readFileSync('.env', 'utf8').trim())"],
            echo: true,
          },
          { type: "write_file", path: "hello.txt", content: "hi\n" },
        ],
      }),
    });
    const task = await stack.waitForState(created.id, ["review", "failed", "completed"], 60_000);
    expect(task.state, JSON.stringify(await errorOf(created.id))).toBe("review");

    const events = (await stack.events(created.id)).map((e) => e.event);
    const setup = events.filter(setupCall);
    expect(setup.at(0)).toMatchObject({ title: "Setting up…", status: "in_progress" });
    expect(setup.at(-1)).toMatchObject({ status: "completed", title: expect.stringMatching(/^Setup finished in/) as unknown });
    const first = setup[0]!;
    const notes = first.type === "tool_call" ? first.content?.find((c) => c.type === "text") : undefined;
    expect(notes).toMatchObject({ text: expect.stringContaining("Copied .env") as unknown });
    expect(notes).toMatchObject({ text: expect.stringContaining("Not copied: missing/*.key matches no file") as unknown });
    const terminalId = first.type === "tool_call" ? first.content?.find((c) => c.type === "terminal")?.terminalId : undefined;
    const setupOutput = events.flatMap((e) => (e.type === "terminal_output" && e.terminalId === terminalId ? [e.data] : [])).join("");
    expect(setupOutput).toContain("setup-done");
    // The setup step ends before the agent says anything.
    const setupEnd = events.findIndex((e) => setupCall(e) && e.type === "tool_call" && e.status === "completed");
    const firstAgentText = events.findIndex((e) => e.type === "message" && e.role === "agent");
    expect(setupEnd).toBeLessThan(firstAgentText);
    const agentText = events.flatMap((e) => (e.type === "message" && e.role === "agent" ? [e.text] : [])).join("");
    expect(agentText).toContain("hello tests SECRET_TOKEN=from-the-checkout");

    expect(task.change?.files.map((f) => f.path)).toEqual(["hello.txt"]);
    const change = await stack.api.change.get({ taskId: created.id });
    expect(change.diff).not.toContain("SECRET_TOKEN");
    expect(change.diff).not.toContain("node_modules");

    const worktree = task.worktreePath!;
    await stack.api.change.discard({ taskId: created.id });
    const marker = path.join(stack.home, "cache", project.id, `teardown-${path.basename(worktree)}`);
    await stack.waitUntil(async () => ((await stack.api.task.get({ id: created.id })).worktreePath === null ? true : undefined), "the runner to remove the worktree");
    expect(readFileSync(marker, "utf8").trim()).toBe("torn-down");
    expect(existsSync(worktree)).toBe(false);
  }, 90_000);

  it("fails the task with the tail of a failing setup's output and leaves no process behind", async () => {
    const marker = `wharf-setup-bg-${Date.now()}`;
    const { project } = await nodeProject({ setupScript: `sh -c 'sleep 300' ${marker} &\necho "installing"\necho "E: no such package: left-pad" >&2\nexit 3` });
    const created = await stack.api.task.create({ projectId: project.id, agentId: "scripted", prompt: scenario({ steps: [{ type: "text", text: "never said" }] }) });
    const task = await stack.waitForState(created.id, ["failed", "review", "completed"], 30_000);
    expect(task.state).toBe("failed");
    const error = await errorOf(created.id);
    expect(error?.message).toBe("The setup script exited with code 3.");
    expect(error?.detail).toContain("E: no such package: left-pad");
    const events = (await stack.events(created.id)).map((e) => e.event);
    expect(events.some((e) => e.type === "message" && e.role === "agent")).toBe(false);
    expect(pidsWithArg(marker)).toEqual([]);
  }, 60_000);

  it("fails a setup that hangs at its time limit", async () => {
    const { project } = await nodeProject({ setupScript: "echo waiting; sleep 300", setupTimeoutSeconds: 1 });
    const started = Date.now();
    const created = await stack.api.task.create({ projectId: project.id, agentId: "scripted", prompt: scenario({ steps: [{ type: "text", text: "never said" }] }) });
    const task = await stack.waitForState(created.id, ["failed", "review", "completed"], 30_000);
    expect(task.state).toBe("failed");
    expect((await errorOf(created.id))?.message).toBe("The setup script did not finish within 1.0 s and was stopped.");
    expect((await errorOf(created.id))?.detail).toContain("waiting");
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 60_000);

  it("cancels during setup within the grace period, stopping what the script started", async () => {
    const marker = `wharf-setup-cancel-${Date.now()}`;
    const { project } = await nodeProject({ setupScript: `echo started; sh -c 'sleep 300' ${marker}` });
    const created = await stack.api.task.create({ projectId: project.id, agentId: "scripted", prompt: scenario({ steps: [{ type: "text", text: "never said" }] }) });
    await stack.waitForEvent(created.id, (e) => e.type === "terminal_output" && e.data.includes("started"), "the setup's first output");
    const cancelled = Date.now();
    await stack.api.task.cancel({ id: created.id });
    const task = await stack.waitForState(created.id, ["cancelled", "failed", "review", "completed"], 10_000);
    expect(task.state).toBe("cancelled");
    // WHARF_CANCEL_GRACE_MS is 1000 in the test stack; removal of the worktree comes on top.
    expect(Date.now() - cancelled).toBeLessThan(4000);
    expect(pidsWithArg(marker)).toEqual([]);
  }, 60_000);

  it("runs setup again on demand", async () => {
    // Files a setup script makes are part of the worktree like any other: this one is ignored.
    const { project } = await nodeProject({ setupScript: 'echo "run $(cat node_modules/.runs 2>/dev/null | wc -l)" && mkdir -p node_modules && echo x >> node_modules/.runs' });
    const created = await stack.api.task.create({ projectId: project.id, agentId: "scripted", prompt: scenario({ steps: [{ type: "text", text: "ok" }] }) });
    await stack.waitForState(created.id, ["completed", "review"], 30_000);
    expect((await stack.api.task.get({ id: created.id })).state).toBe("completed");
    await stack.api.task.runSetup({ taskId: created.id });
    await stack.waitForEvent(created.id, (e) => e.type === "terminal_output" && e.data.includes("run 1"), "the second setup's output");
  }, 60_000);
});

describe("services", () => {
  const server = `node -e "require('http').createServer((q, s) => s.end('task ' + process.env.TASK_NAME + ' on ' + process.env.PORT + ' ' + process.env.PORT_WEB)).listen(+process.env.PORT, '127.0.0.1', () => console.log('listening on ' + process.env.PORT))"`;

  async function serviceCalls(taskId: string) {
    const events = (await stack.events(taskId)).map((e) => e.event);
    return events.flatMap((e) => (e.type === "tool_call" && e.toolCallId.startsWith(serviceToolCallPrefix) ? [e] : []));
  }

  async function startedService(taskId: string) {
    await stack.api.task.startService({ taskId, name: "web" });
    await stack.waitForEvent(taskId, (e) => e.type === "terminal_output" && e.data.includes("listening on"), "the service to listen");
    const calls = await serviceCalls(taskId);
    const input = readServiceCallInput(calls[0]!.rawInput);
    if (!input) throw new Error(`not a service call's input: ${JSON.stringify(calls[0]!.rawInput)}`);
    return input;
  }

  it("runs two tasks' services at once on different ports and stops one when its task is discarded", async () => {
    const repo = makeRepo();
    const project = await stack.api.project.create({ path: repo });
    await stack.api.project.update({ id: project.id, services: [{ name: "web", command: server.replace("process.env.TASK_NAME", "require('path').basename(process.cwd())") }] });
    const tasks = await Promise.all(
      [1, 2].map(async (n) => {
        const created = await stack.api.task.create({ projectId: project.id, agentId: "scripted", prompt: scenario({ steps: [{ type: "write_file", path: `f${n}.txt`, content: "x\n" }] }) });
        return stack.waitForState(created.id, ["review"], 30_000);
      }),
    );
    const [a, b] = await Promise.all(tasks.map((t) => startedService(t.id)));
    expect(a!.ports[0]).not.toBe(b!.ports[0]);
    const answer = async (url: string) => (await fetch(url)).text();
    // Each service runs in its own task's worktree (its folder names the task, or the sandbox's slot it was made in).
    const folders = await Promise.all(tasks.map(async (t) => path.basename((await stack.api.task.get({ id: t.id })).worktreePath!)));
    expect(folders[0]).not.toBe(folders[1]);
    expect(await answer(a!.urls[0]!)).toBe(`task ${folders[0]} on ${a!.ports[0]} ${a!.ports[0]}`);
    expect(await answer(b!.urls[0]!)).toBe(`task ${folders[1]} on ${b!.ports[0]} ${b!.ports[0]}`);

    await stack.api.change.discard({ taskId: tasks[0]!.id });
    await stack.waitUntil(async () => ((await serviceCalls(tasks[0]!.id)).some((c) => c.status === "completed") ? true : undefined), "the discarded task's service to stop");
    await expect(fetch(a!.urls[0]!)).rejects.toThrow();
    expect(await answer(b!.urls[0]!)).toContain(folders[1]);

    await stack.api.task.stopService({ taskId: tasks[1]!.id, name: "web" });
    await stack.waitUntil(async () => ((await serviceCalls(tasks[1]!.id)).at(-1)?.title === "Service web stopped" ? true : undefined), "the service to stop");
    await expect(fetch(b!.urls[0]!)).rejects.toThrow();
    await expect(stack.api.task.startService({ taskId: tasks[1]!.id, name: "db" })).rejects.toMatchObject({ code: "NOT_FOUND", message: 'The project has no service "db"; it has web.' });
  }, 90_000);
});

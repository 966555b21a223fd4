import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { detectSandbox } from "./sandbox/sandbox";
import { scenario } from "./testing/hanging-agent";
import { git, makeRepo } from "./testing/git-fixture";
import { spawnRunner } from "./testing/runner-process";
import { startStack, type Stack } from "./testing/stack";

/*
 * Projects that live elsewhere, with real runner processes: the project is added by URL only (a
 * bare repository is the remote), so the web host reviews in a clone of its own and each runner
 * works in its own clone under its own WHARF_HOME. Nothing a runner makes is on a disk the web
 * host reads: the changes reach the web host as bundles in PostgreSQL, and applied changes reach
 * the remote by a fast-forward push from the web host's clone.
 */

const testAgent = fileURLToPath(new URL("../../../packages/test-agent/bin/wharf-test-agent.mjs", import.meta.url));
const scratch = mkdtempSync(path.join(os.tmpdir(), "wharf-fleet-url-"));
const bin = path.join(scratch, "bin");

let stack: Stack;
const runners = new Map<string, ReturnType<typeof spawnRunner>>();

function startRunner(id: string, opts: { agentBin?: string; wrap?: string[] } = {}): ReturnType<typeof spawnRunner> {
  const home = path.join(scratch, `home-${id}`);
  mkdirSync(home, { recursive: true });
  const runner = spawnRunner({
    ...stack.runnerEnv,
    WHARF_HOME: home,
    WHARF_RUNNER_ID: id,
    PATH: `${opts.agentBin ?? bin}${path.delimiter}${process.env.PATH ?? ""}`,
    WHARF_SANDBOX: "off",
    WHARF_AGENT_PROBE_MS: "0",
    WHARF_RUNNER_HEARTBEAT_MS: "1000",
    WHARF_RUNNER_CONCURRENCY: "2",
    WHARF_GIT_FETCH_TIMEOUT_MS: "30000",
  }, opts.wrap);
  runners.set(id, runner);
  return runner;
}

async function stopRunner(id: string) {
  const runner = runners.get(id)!;
  runner.child.kill("SIGTERM");
  await runner.exited;
  runners.delete(id);
}

/** A bare repository made from a fresh repository with one commit on main: the project's remote. */
function bareRemote(name: string): string {
  const bare = path.join(scratch, `${name}.git`);
  git(scratch, "clone", "-q", "--bare", makeRepo(), bare);
  return bare;
}

const remoteFile = (bare: string, file: string) => git(bare, "show", `main:${file}`);

/**
 * Waits for a task to reach one of `states`; when it does not, the error carries what the runners
 * printed and the task's last events, so a failure on a loaded machine says where it stood.
 */
async function reach(taskId: string, states: Parameters<Stack["waitForState"]>[1], timeoutMs = 60_000) {
  try {
    return await stack.waitForState(taskId, states, timeoutMs);
  } catch (error) {
    const { rows } = await stack.services.pool.query<{ seq: number; type: string; payload: unknown }>(
      `select seq, type, payload from task_event where task_id = $1 order by seq desc limit 15`,
      [taskId],
    );
    const row = await stack.services.pool.query(`select state, runner_id, error, work_repo from task where id = $1`, [taskId]);
    const jobs = await stack.services.pool.query(`select name, state, created_on, started_on from pgboss.job where data->>'taskId' = $1 order by created_on`, [taskId]);
    const outputs = [...runners].map(([id, r]) => `--- runner ${id}:\n${r.output().slice(-3000)}`).join("\n");
    throw new Error(
      `${(error as Error).message}\ntask: ${JSON.stringify(row.rows[0])}\njobs: ${JSON.stringify(jobs.rows)}\nlast events: ${JSON.stringify(rows.reverse())}\n${outputs}`,
      { cause: error },
    );
  }
}

type TaskRow = { runner_id: string; worktree_path: string | null; work_repo: string | null };
async function taskRow(id: string): Promise<TaskRow> {
  const { rows } = await stack.services.pool.query<TaskRow>(`select runner_id, worktree_path, work_repo from task where id = $1`, [id]);
  return rows[0]!;
}

/** A folder with `<name>-agent`: the test agent under that command. */
function agentBin(dir: string, name: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${name}-agent`), `#!/bin/sh\nexec "${process.execPath}" "${testAgent}" "$@"\n`);
  chmodSync(path.join(dir, `${name}-agent`), 0o755);
  return dir;
}

/** bubblewrap where it works here (the runner's own detection): it starts a runner in a mount namespace of its own. */
const detected = detectSandbox({ mode: "auto", home: "/nonexistent-wharf-home", path: process.env.PATH });
const bwrap = detected.on ? detected.bwrap : undefined;

beforeAll(async () => {
  agentBin(bin, "alpha");
  stack = await startStack({ inProcessRunner: false });
  await stack.api.agent.upsert({ id: "alpha", name: "Agent alpha", transport: "acp", command: "alpha-agent" });
  await Promise.all([startRunner("runner-a").ready, startRunner("runner-b").ready]);
}, 90_000);

afterAll(async () => {
  for (const id of [...runners.keys()]) await stopRunner(id);
  await stack?.stop();
  rmSync(scratch, { recursive: true, force: true });
}, 60_000);

const writes = (file: string, content: string, sleepMs = 400) =>
  scenario({ steps: [{ type: "text", text: `writing ${file}` }, { type: "sleep", ms: sleepMs }, { type: "write_file", path: file, content }] });

describe("projects that live elsewhere", () => {
  it("refuses a URL git cannot read, with the reason, and one that is not a URL", async () => {
    await expect(stack.api.project.create({ url: path.join(scratch, "missing.git") })).rejects.toThrow(/missing\.git failed: .*Check the URL/);
    await expect(stack.api.project.create({ url: "ext::sh -c touch% /tmp/pwned" })).rejects.toThrow(/remote helpers/);
    await expect(stack.api.project.create({})).rejects.toThrow(/path on this host, its clone URL, or both/);
    await expect(stack.api.project.create({ url: "https://me:secret@example.com/app.git" })).rejects.toThrow(/Leave the password or token out of the URL/);
  });

  it("runs tasks in each runner's clone; each change reviews and applies from the web host and lands on the remote", { timeout: 180_000 }, async () => {
    const bare = bareRemote("spread");
    const project = await stack.api.project.create({ url: bare });
    expect(project).toMatchObject({ cloneUrl: bare, repoManaged: true, baseBranch: "main", name: "spread" });
    expect(project.repoPath).toBe(path.join(stack.home, "repos", project.id));

    const files = Array.from({ length: 6 }, (_, i) => `task-${i}.txt`);
    const tasks = await Promise.all(files.map((file) => stack.api.task.create({ projectId: project.id, agentId: "alpha", prompt: writes(file, `from ${file}\n`) })));
    for (const task of tasks) await reach(task.id, ["review"], 90_000);

    const rows = await Promise.all(tasks.map((task) => taskRow(task.id)));
    expect(new Set(rows.map((row) => row.runner_id))).toEqual(new Set(["runner-a", "runner-b"]));
    for (const row of rows) {
      const clone = path.join(scratch, `home-${row.runner_id}`, "repos", project.id);
      expect(row.work_repo).toBe(clone);
      expect(row.worktree_path!.startsWith(path.join(scratch, `home-${row.runner_id}`))).toBe(true);
    }
    // The web host's clone never saw the runners' branches until it imported them.
    for (const [i, task] of tasks.entries()) {
      const change = await stack.api.change.get({ taskId: task.id });
      expect(change.files.map((file) => file.path)).toEqual([files[i]]);
      expect(change.base).toMatchObject({ error: null });
      const applied = await stack.api.change.apply.call(null, { taskId: task.id });
      expect(applied.state).toBe("applied");
      expect(remoteFile(bare, files[i]!)).toBe(`from ${files[i]}`);
    }
    // The runners were told to remove their worktrees and branches: only they can reach them.
    for (const [i, task] of tasks.entries()) {
      await stack.waitUntil(async () => ((await taskRow(task.id)).worktree_path === null ? true : undefined), `worktree of task ${i} removed`, 30_000);
      expect(existsSync(rows[i]!.worktree_path!)).toBe(false);
    }
  });

  it("discards a remote task: the runner removes its worktree and branch", { timeout: 90_000 }, async () => {
    const bare = bareRemote("discard");
    const project = await stack.api.project.create({ url: bare });
    const task = await stack.api.task.create({ projectId: project.id, agentId: "alpha", prompt: writes("dropped.txt", "no\n", 0) });
    await reach(task.id, ["review"], 60_000);
    const row = await taskRow(task.id);
    await stack.api.change.discard({ taskId: task.id });
    await stack.waitUntil(async () => ((await taskRow(task.id)).worktree_path === null ? true : undefined), "the worktree removed", 30_000);
    expect(existsSync(row.worktree_path!)).toBe(false);
    expect(() => git(row.work_repo!, "rev-parse", "--verify", "-q", `wharf/${task.id}`)).toThrow();
    expect(() => git(project.repoPath, "rev-parse", "--verify", "-q", `wharf/${task.id}`)).toThrow();
    expect(() => remoteFile(bare, "dropped.txt")).toThrow();
  });

  it("fails a task whose project's URL cannot be fetched, saying why", { timeout: 90_000 }, async () => {
    const bare = bareRemote("moved");
    const project = await stack.api.project.create({ url: bare });
    // Both runners clone it (two tasks at once, one per runner's free slots); then the URL goes away.
    const before = await Promise.all([0, 1, 2, 3].map((i) => stack.api.task.create({ projectId: project.id, agentId: "alpha", prompt: writes(`before-${i}.txt`, "x\n") })));
    for (const task of before) await reach(task.id, ["review"], 60_000);
    renameSync(bare, `${bare}.gone`);
    const task = await stack.api.task.create({ projectId: project.id, agentId: "alpha", prompt: writes("never.txt", "x\n", 0) });
    const failed = await reach(task.id, ["failed"], 60_000);
    expect(failed.error).toMatch(/Fetching main from .*moved\.git failed/);
    expect(failed.error).toMatch(/Check the URL/);
  });

  it("continues a follow-up on another runner from the branch as the first one sent it", { timeout: 120_000 }, async () => {
    const bare = bareRemote("follow");
    const project = await stack.api.project.create({ url: bare });
    const task = await stack.api.task.create({ projectId: project.id, agentId: "alpha", prompt: writes("first.txt", "first turn\n", 0) });
    await reach(task.id, ["review"], 60_000);
    const first = (await taskRow(task.id)).runner_id;
    const other = first === "runner-a" ? "runner-b" : "runner-a";
    // The first runner goes away (its session with it): the follow-up can only run on the other.
    await stopRunner(first);
    await stack.api.task.prompt({ id: task.id, prompt: writes("second.txt", "second turn\n", 0) });
    await reach(task.id, ["review"], 60_000);
    const row = await taskRow(task.id);
    expect(row.runner_id).toBe(other);
    expect(row.work_repo).toBe(path.join(scratch, `home-${other}`, "repos", project.id));

    const change = await stack.api.change.get({ taskId: task.id });
    expect(change.files.map((file) => file.path).sort()).toEqual(["first.txt", "second.txt"]);
    await stack.api.change.apply.call(null, { taskId: task.id });
    expect(remoteFile(bare, "first.txt")).toBe("first turn");
    expect(remoteFile(bare, "second.txt")).toBe("second turn");
    startRunner(first);
    await runners.get(first)!.ready;
  });

  it("a follow-up after a partial apply on the web host continues from the branch the web host moved", { timeout: 120_000 }, async () => {
    const bare = bareRemote("partial");
    const project = await stack.api.project.create({ url: bare });
    const two = scenario({ steps: [{ type: "write_file", path: "part-a.txt", content: "a\n" }, { type: "write_file", path: "part-b.txt", content: "b\n" }] });
    const task = await stack.api.task.create({ projectId: project.id, agentId: "alpha", prompt: two });
    await reach(task.id, ["review"], 60_000);
    const runner = (await taskRow(task.id)).runner_id;
    const other = runner === "runner-a" ? "runner-b" : "runner-a";
    // Only the runner that keeps the worktree is there to take the follow-up.
    await stopRunner(other);
    // Someone pushes to main meanwhile: the commit the apply lands is then never the one the rest
    // of the branch is built on, which exists only on the web host (the runner must still get it).
    const elsewhere = path.join(scratch, "partial-elsewhere");
    git(scratch, "clone", "-q", bare, elsewhere);
    writeFileSync(path.join(elsewhere, "other.txt"), "pushed meanwhile\n");
    git(elsewhere, "add", "other.txt");
    git(elsewhere, "-c", "user.name=Someone", "-c", "user.email=someone@example.com", "commit", "-q", "-m", "Meanwhile");
    git(elsewhere, "push", "-q", "origin", "main");
    const partly = await stack.api.change.apply.call(null, { taskId: task.id, paths: ["part-a.txt"] });
    expect(partly).toMatchObject({ state: "review", remaining: ["part-b.txt"] });
    expect(remoteFile(bare, "part-a.txt")).toBe("a");

    await stack.api.task.prompt({ id: task.id, prompt: writes("part-c.txt", "c\n", 0) });
    await reach(task.id, ["review"], 60_000);
    expect((await taskRow(task.id)).runner_id).toBe(runner);
    const change = await stack.api.change.get({ taskId: task.id });
    expect(change.files.map((file) => file.path).sort()).toEqual(["part-b.txt", "part-c.txt"]);
    // The new turn was committed on top of the branch as the partial apply left it.
    git(project.repoPath, "merge-base", "--is-ancestor", change.baseCommit, change.headCommit);
    await stack.api.change.apply.call(null, { taskId: task.id });
    expect(remoteFile(bare, "part-b.txt")).toBe("b");
    expect(remoteFile(bare, "part-c.txt")).toBe("c");
    expect(remoteFile(bare, "other.txt")).toBe("pushed meanwhile");
    await startRunner(other).ready;
  });
});

describe("a project whose path the runner cannot see", () => {
  it.skipIf(bwrap === undefined)("works from the URL in a runner started with the checkout's folder hidden; apply lands in the web host's checkout", { timeout: 120_000 }, async () => {
    // The person's checkout on the web host, in a folder the runner's mount namespace replaces
    // with an empty one: the project's path does not exist for it.
    const webSide = path.join(scratch, "web-side");
    mkdirSync(webSide);
    const checkout = path.join(webSide, "app");
    const bare = bareRemote("hidden");
    git(webSide, "clone", "-q", bare, checkout);
    await stack.api.agent.upsert({ id: "beta", name: "Agent beta", transport: "acp", command: "beta-agent" });
    const hidden = startRunner("runner-hidden", { agentBin: agentBin(path.join(scratch, "bin-beta"), "beta"), wrap: [bwrap!, "--dev-bind", "/", "/", "--tmpfs", webSide, "--"] });
    await hidden.ready;

    const project = await stack.api.project.create({ path: checkout, url: bare });
    expect(project).toMatchObject({ repoPath: checkout, cloneUrl: bare, repoManaged: false });
    const task = await stack.api.task.create({ projectId: project.id, agentId: "beta", prompt: writes("hidden.txt", "made out of sight\n", 0) });
    await reach(task.id, ["review"], 60_000);
    const row = await taskRow(task.id);
    expect(row.runner_id).toBe("runner-hidden");
    expect(row.work_repo).toBe(path.join(scratch, "home-runner-hidden", "repos", project.id));

    await stack.api.change.apply.call(null, { taskId: task.id });
    expect(readFileSync(path.join(checkout, "hidden.txt"), "utf8")).toBe("made out of sight\n");
    expect(git(checkout, "log", "-1", "--format=%B")).toContain(`Applied from wharf task ${task.id}`);
    // A checkout of the person's: nothing is pushed for them.
    expect(() => remoteFile(bare, "hidden.txt")).toThrow();
    await stopRunner("runner-hidden");
  });
});

describe("a sandboxed runner's own clone", () => {
  it("binds the clone under its masked WHARF_HOME into the agent's sandbox; the change travels back", { timeout: 120_000 }, async () => {
    const runnerHome = path.join(scratch, "home-sandboxed");
    mkdirSync(runnerHome, { recursive: true });
    const sandboxed = await startStack({ sandbox: "require", runnerEnv: { WHARF_HOME: runnerHome } });
    try {
      const bare = bareRemote("sandboxed");
      const project = await sandboxed.api.project.create({ url: bare });
      const task = await sandboxed.api.task.create({ projectId: project.id, agentId: "scripted", prompt: writes("boxed.txt", "from the sandbox\n", 0) });
      const done = await sandboxed.waitForState(task.id, ["review", "failed"], 60_000);
      expect(done.error).toBeNull();
      const { rows } = await sandboxed.services.pool.query<{ work_repo: string }>(`select work_repo from task where id = $1`, [task.id]);
      expect(rows[0]!.work_repo).toBe(path.join(runnerHome, "repos", project.id));
      await sandboxed.api.change.apply.call(null, { taskId: task.id });
      expect(remoteFile(bare, "boxed.txt")).toBe("from the sandbox");
    } finally {
      await sandboxed.stop();
    }
  });
});

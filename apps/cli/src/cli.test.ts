import { execFile } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { spawn as spawnPty } from "@lydell/node-pty";
import { editWithPermission, scenarioPrompt, startTestWharf, type TestWharf } from "@wharf/client/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../bin/wharf.mjs", import.meta.url));
const rootScript = fileURLToPath(new URL("../../../wharf", import.meta.url));

let wharf: TestWharf;
beforeAll(async () => {
  wharf = await startTestWharf();
}, 90_000);
afterAll(async () => {
  await wharf?.stop();
}, 30_000);

function cliEnv(extra: Record<string, string> = {}): Record<string, string> {
  const cache: Record<string, string> = process.env.XDG_CACHE_HOME ? { XDG_CACHE_HOME: process.env.XDG_CACHE_HOME } : {};
  return { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...cache, WHARF_URL: wharf.url, WHARF_HOME: wharf.home, NO_COLOR: "1", ...extra };
}

/** The real CLI as a child process without a terminal. */
function wharfCli(args: string[], extra: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env: cliEnv(extra), timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

/** A terminal shows colours: no NO_COLOR there. */
function withoutNoColor(env: Record<string, string>): Record<string, string> {
  const { NO_COLOR: _drop, ...rest } = env;
  return rest;
}

/** The real CLI in a pseudo-terminal; `onScreen` sees everything printed so far and may type. */
function wharfPty(args: string[], onScreen: (screen: string, type: (text: string) => void) => void): Promise<{ code: number; screen: string }> {
  const term = spawnPty(process.execPath, [bin, ...args], { cols: 120, rows: 40, env: withoutNoColor(cliEnv()) });
  let screen = "";
  term.onData((data) => {
    screen += data;
    onScreen(screen, (text) => term.write(text));
  });
  return new Promise((resolve) => term.onExit(({ exitCode }) => resolve({ code: exitCode, screen })));
}

const plain = (text: string) => text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");

describe("the wharf CLI against a real Wharf", () => {
  it("adds a project, creates a task, follows it in a terminal answering the permission at its question, and applies", async () => {
    const repo = wharf.makeRepo();
    const added = await wharfCli(["project", "add", repo]);
    expect(added).toMatchObject({ code: 0, stderr: "" });
    const projectId = added.stdout.trim();
    expect(projectId).toMatch(/^[0-9a-f-]{36}$/);

    const created = await wharfCli(["task", "create", "--project", repo, "--agent", "scripted", scenarioPrompt(editWithPermission("hello.txt", "hi from the cli\n"))]);
    expect(created.code).toBe(0);
    const taskId = created.stdout.trim();

    let answered = 0;
    const followed = await wharfPty(["task", "follow", taskId], (screen, type) => {
      if (answered === 0 && plain(screen).includes("Answer [1-3]: ")) {
        answered += 1;
        type("1\r");
      }
    });
    const screen = plain(followed.screen);
    expect(followed.code, screen).toBe(0);
    expect(answered).toBe(1);
    expect(screen).toContain("Let me look at the project first.");
    expect(screen).toContain("✓ Read src/app.txt");
    expect(screen).toMatch(/\? Write hello\.txt.*1\) Allow/);
    expect(screen).toContain("permission answered: allow_once by cli");
    expect(screen).toContain("● review");
    expect(followed.screen).toContain("\x1b[35m● review"); // coloured by state
    expect(followed.screen).toContain("\r\x1b[2K\x1b[36m⠋\x1b[39m Read src/app.txt"); // a spinner while the read runs

    const shown = await wharfCli(["task", "show", taskId, "--json"]);
    expect(JSON.parse(shown.stdout)).toMatchObject({ id: taskId, state: "review", change: { files: [expect.objectContaining({ path: "hello.txt" })] } });

    const applied = await wharfCli(["change", "apply", taskId]);
    expect(applied.code).toBe(0);
    expect(applied.stdout.trim()).toBe(wharf.git(repo, "rev-parse", "main"));
    expect(readFileSync(path.join(repo, "hello.txt"), "utf8")).toBe("hi from the cli\n");
    expect((await wharfCli(["change", "apply", taskId])).code).toBe(6);

    const listed = await wharfCli(["task", "ls", "--json", "--project", projectId]);
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ id: taskId, state: "applied" })]);
  });

  it("withdraws the question when the permission is answered elsewhere first", async () => {
    const repo = wharf.makeRepo();
    const { createWharfClient } = await import("@wharf/client");
    const browser = createWharfClient({ url: wharf.url, token: wharf.token, actor: "browser" });
    const project = await browser.project.create.mutate({ path: repo });
    const task = await browser.task.create.mutate({ projectId: project.id, agentId: "scripted", prompt: scenarioPrompt(editWithPermission("no.txt", "no\n")) });
    // Assigned in the screen callback, which the compiler cannot follow.
    let answered = null as Promise<unknown> | null;
    const followed = await wharfPty(["task", "follow", task.id], (screen) => {
      if (answered || !plain(screen).includes("Answer [1-3]: ")) return;
      answered = browser.permission.pending.query({ taskId: task.id }).then(([request]) =>
        // The scripted agent's default options: allow, allow-always, reject.
        browser.permission.respond.mutate({ requestId: request!.id, optionId: "reject" }),
      );
    });
    expect(answered, "the question never appeared").not.toBeNull();
    await answered;
    const screen = plain(followed.screen);
    expect(followed.code, screen).toBe(0);
    expect(screen).toContain("(answered elsewhere)");
    expect(screen).toContain("permission answered: reject_once by browser");
    expect(screen).toContain("Understood, I was told no and wrote nothing.");
    expect(screen).toContain("● completed");
  });

  it("task create --follow --json streams events as JSON lines and exits 1 when the task fails", async () => {
    const repo = wharf.makeRepo();
    const prompt = scenarioPrompt({ steps: [{ type: "text", text: "about to fail" }, { type: "error", message: "failing on purpose" }] });
    const run = await wharfCli(["task", "create", "--json", "--follow", "-p", repo, "-a", "scripted", prompt], {});
    expect(run.code).toBe(3); // the project was never added
    await wharfCli(["project", "add", repo]);
    const failed = await wharfCli(["task", "create", "--json", "--follow", "-p", repo, "-a", "scripted", prompt]);
    expect(failed.code, failed.stderr).toBe(1);
    const lines = failed.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ state: "queued" });
    const events = lines.slice(1) as Array<{ seq: number; event: { type: string; state?: string } }>;
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.at(-1)?.event).toMatchObject({ type: "status", state: "failed" });
  });

  it("cancels a running task; its follower exits 1", async () => {
    const repo = wharf.makeRepo();
    await wharfCli(["project", "add", repo]);
    const created = await wharfCli(["task", "create", "-p", repo, "-a", "scripted", scenarioPrompt({ steps: [{ type: "text", text: "working" }, { type: "sleep", ms: 60_000 }] })]);
    const taskId = created.stdout.trim();
    const follow = wharfCli(["task", "follow", taskId]);
    const events = wharfCli(["task", "follow", taskId, "--json"]);
    // Cancel once the task runs (the subscription says so); the runner stops the agent.
    const { createWharfClient, waitForTask } = await import("@wharf/client");
    await waitForTask(createWharfClient({ url: wharf.url, token: wharf.token }), taskId, ["running"]);
    const cancelled = await wharfCli(["task", "cancel", taskId]);
    expect(cancelled).toMatchObject({ code: 0, stdout: `${taskId} cancelling\n` });
    expect((await follow).code).toBe(1);
    expect((await events).code).toBe(1);
    expect((await wharfCli(["task", "cancel", taskId])).code).toBe(6);
  });

  it("task create --depends-on waits blocked; task show says why; task start runs it anyway; cancel --with-subtasks", async () => {
    const repo = wharf.makeRepo();
    await wharfCli(["project", "add", repo]);
    const hold = scenarioPrompt({ steps: [{ type: "text", text: "working" }, { type: "sleep", ms: 60_000 }] });
    const parent = (await wharfCli(["task", "create", "-p", repo, "-a", "scripted", hold])).stdout.trim();
    const first = (await wharfCli(["task", "create", "-p", repo, "-a", "scripted", hold])).stdout.trim();
    const second = await wharfCli(["task", "create", "-p", repo, "-a", "scripted", "--depends-on", first, "--parent", parent, scenarioPrompt({ steps: [{ type: "text", text: "after" }] })]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain(`blocked, waiting for #${first.slice(0, 8)}`);
    const secondId = second.stdout.trim();
    const shown = await wharfCli(["task", "show", secondId]);
    expect(shown.stdout).toMatch(/State\s+blocked\s+waiting for #/);
    expect(shown.stdout).toContain(`Parent   ${parent}`);
    expect(shown.stdout).toMatch(new RegExp(`Waits on\\s+${first}`));
    expect((await wharfCli(["task", "show", parent])).stdout).toMatch(new RegExp(`Subtask\\s+${secondId}\\s+blocked`));
    // A subtask may not wait for its own parent.
    const cycle = await wharfCli(["task", "create", "-p", repo, "-a", "scripted", "--depends-on", secondId, "--parent", secondId, "x"]);
    expect(cycle.code).toBe(2);
    expect(cycle.stderr).toMatch(/cycle/);

    expect(await wharfCli(["task", "start", secondId])).toMatchObject({ code: 0, stdout: `${secondId} queued\n` });
    const { createWharfClient, waitForTask } = await import("@wharf/client");
    await waitForTask(createWharfClient({ url: wharf.url, token: wharf.token }), secondId, ["completed", "review"]);
    const third = (await wharfCli(["task", "create", "-p", repo, "-a", "scripted", "--parent", parent, "--depends-on", first, hold])).stdout.trim();
    const cancelled = await wharfCli(["task", "cancel", parent, "--with-subtasks"]);
    expect(cancelled.stdout).toBe(`${parent} cancelling (and 1 subtasks)\n`);
    expect(JSON.parse((await wharfCli(["task", "show", third, "--json"])).stdout)).toMatchObject({ state: "cancelled", parent: { id: parent } });
    expect((await wharfCli(["task", "cancel", first])).code).toBe(0);
  });

  it("best-of-N: task create with two --agent and --runs makes attempts; task attempts compares them; task pick applies one and discards the others", async () => {
    const repo = wharf.makeRepo();
    await wharfCli(["project", "add", repo]);
    const prompt = scenarioPrompt({ steps: [{ type: "write_file", path: "src/app.txt", content: "one\ntwo\nthree\nfour\n" }] });
    const created = await wharfCli(["task", "create", "-p", repo, "-a", "scripted", "--agent", "scripted", "--runs", "2", prompt]);
    expect(created.code, created.stderr).toBe(0);
    const [groupId, ...lines] = created.stdout.trim().split("\n");
    expect(lines).toHaveLength(4);
    const ids = lines.map((line) => /attempt \d ([0-9a-f-]{36}) scripted/.exec(line)![1]!);
    const { createWharfClient, waitForTask } = await import("@wharf/client");
    const client = createWharfClient({ url: wharf.url, token: wharf.token });
    for (const id of ids) await waitForTask(client, id, ["review"], { signal: AbortSignal.timeout(60_000) });

    const compared = await wharfCli(["task", "attempts", ids[1]!]);
    expect(compared.stdout).toContain(`Group   ${groupId}`);
    expect(compared.stdout).toMatch(new RegExp(`2\\. ${ids[1]}  review\\s+scripted\\s+1 files \\+1 -0`));
    const picked = await wharfCli(["task", "pick", ids[2]!]);
    expect(picked.code, picked.stderr).toBe(0);
    expect(picked.stdout).toMatch(new RegExp(`^${ids[2]} applied [0-9a-f]{40}\n`));
    expect(picked.stdout.match(/: discarded, /g)).toHaveLength(3);
    expect(readFileSync(path.join(repo, "src/app.txt"), "utf8")).toBe("one\ntwo\nthree\nfour\n");
    expect((await wharfCli(["task", "create", "-p", repo, "-a", "scripted", "-a", "scripted", "--follow", "x"])).code).toBe(2);
  });

  it("reviews from the command line: comments sent to the agent, two of three files applied with a message, the rest discarded", async () => {
    const repo = wharf.makeRepo();
    const { createWharfClient, waitForTask } = await import("@wharf/client");
    const api = createWharfClient({ url: wharf.url, token: wharf.token, actor: "cli-test" });
    const project = await api.project.create.mutate({ path: repo });
    const scenario = {
      turns: [
        [
          { type: "write_file", path: "src/app.txt", content: "one\nTWO\nthree\n" },
          { type: "write_file", path: "notes.txt", content: "a note\n" },
          { type: "write_file", path: "later.txt", content: "not yet\n" },
        ],
        [{ type: "text", text: "Got: {{prompt}}" }],
      ],
    };
    const task = await api.task.create.mutate({ projectId: project.id, agentId: "scripted", prompt: scenarioPrompt(scenario) });
    await waitForTask(api, task.id, ["review"], { signal: AbortSignal.timeout(30_000) });

    const added = await wharfCli(["comment", "add", task.id, "--path", "src/app.txt", "--line", "2", "Lower case, please."]);
    expect(added, added.stderr).toMatchObject({ code: 0 });
    expect(added.stdout.trim()).toMatch(/^[0-9a-f-]{36}$/);
    const outside = await wharfCli(["comment", "add", task.id, "--path", "README.md", "--line", "1", "x"]);
    expect(outside.code).toBe(2);
    expect(outside.stderr).toContain("README.md is not one of the files the change");
    expect((await wharfCli(["comment", "add", task.id, "--path", "src/app.txt", "--line", "zero", "x"])).code).toBe(2);
    const listed = await wharfCli(["comment", "ls", task.id]);
    expect(listed.stdout).toMatch(/src\/app\.txt:2\s+open/);
    expect(listed.stdout).toContain("Lower case, please.");

    const sent = await wharfCli(["comment", "send", task.id]);
    expect(sent, sent.stderr).toMatchObject({ code: 0, stdout: "1 comment(s) sent; turn 1 queued\n" });
    await waitForTask(api, task.id, ["review"], { signal: AbortSignal.timeout(30_000) });
    const { events } = await api.task.history.query({ taskId: task.id });
    expect(events.map((e) => (e.event.type === "message" && e.event.role === "agent" ? e.event.text : "")).join("")).toContain("`src/app.txt:2`");

    const applied = await wharfCli(["change", "apply", task.id, "--path", "src/app.txt", "--path", "notes.txt", "-m", "Two of three"]);
    expect(applied, applied.stderr).toMatchObject({ code: 0 });
    expect(applied.stdout.trim()).toBe(wharf.git(repo, "rev-parse", "main"));
    expect(applied.stderr).toContain("1 file(s) left in review: later.txt");
    expect(wharf.git(repo, "log", "-1", "--format=%s", "main")).toBe("Two of three");
    expect(wharf.git(repo, "ls-tree", "--name-only", "main", "--", "later.txt")).toBe("");

    const push = await wharfCli(["change", "push", task.id]);
    expect(push.code).toBe(6);
    expect(push.stderr).toContain("It has no remotes");
    expect((await wharfCli(["change", "discard", task.id])).code).toBe(0);
    expect((await api.task.get.query({ id: task.id })).state).toBe("discarded");
    for (const args of [["comment", "add", "--help"], ["change", "pr", "--help"], ["change", "rebase", "--help"], ["project", "set", "--help"]]) {
      expect((await wharfCli(args)).stdout, args.join(" ")).toMatch(/^Usage: wharf /);
    }
  });

  it("exit codes: usage 2, not found 3, auth 4, unreachable 5; --help everywhere", async () => {
    expect((await wharfCli(["task", "create", "--agent", "scripted", "x"])).code).toBe(2);
    expect((await wharfCli(["task", "frobnicate"])).code).toBe(2);
    expect((await wharfCli(["task", "ls", "--bogus"])).code).toBe(2);
    const missing = await wharfCli(["task", "show", "00000000-0000-4000-8000-000000000000", "--json"]);
    expect(missing.code).toBe(3);
    expect(JSON.parse(missing.stderr)).toMatchObject({ error: { kind: "not_found" } });
    expect((await wharfCli(["agents", "--token", "wharf_wrong_token_wharf_wrong_token"])).code).toBe(4);
    expect((await wharfCli(["agents"], { WHARF_HOME: path.join(wharf.home, "nowhere") })).code).toBe(4);
    expect((await wharfCli(["agents", "--url", "http://127.0.0.1:9"])).code).toBe(5);
    for (const args of [["--help"], ["task", "create", "--help"], ["task", "follow", "-h"], ["change", "apply", "--help"], ["agents", "--help"]]) {
      const run = await wharfCli(args);
      expect(run.code, args.join(" ")).toBe(0);
      expect(run.stdout).toMatch(/^(Usage|wharf)/);
    }
    const agents = await wharfCli(["agents", "--json"]);
    expect(JSON.parse(agents.stdout)).toContainEqual(expect.objectContaining({ id: "scripted", available: true }));
    // The text list names the detected version, or why an agent is not available.
    const text = (await wharfCli(["agents"])).stdout;
    expect(text).toMatch(/✓ scripted\s+Scripted test agent\s+0\.1\.0/);
    for (const line of text.split("\n").filter((l) => l.startsWith("✗"))) expect(line).toMatch(/\(.+\)$/);
  });

  it("./wharf passes commands other than start/test/bench to the CLI", async () => {
    const run = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(rootScript, ["agents", "--json"], { env: cliEnv(), timeout: 30_000 }, (error, stdout) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? -1) : 0, stdout }),
      );
    });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toContainEqual(expect.objectContaining({ id: "scripted" }));
  });

  it("token rotate prints a new token once; the old one gets exit code 4, the new one works, the file stays 0600", async () => {
    const old = readFileSync(path.join(wharf.home, "token"), "utf8").trim();
    const rotated = await wharfCli(["token", "rotate", "--token", old]);
    expect(rotated.code, rotated.stderr).toBe(0);
    const token = rotated.stdout.trim();
    expect(token).toMatch(/^wharf_[A-Za-z0-9_-]{32}$/);
    expect(rotated.stdout).toBe(`${token}\n`);
    expect(rotated.stderr).toContain("the old token no longer works");
    expect(readFileSync(path.join(wharf.home, "token"), "utf8").trim()).toBe(token);
    expect(statSync(path.join(wharf.home, "token")).mode & 0o777).toBe(0o600);

    const refused = await wharfCli(["agents", "--json", "--token", old]);
    expect(refused.code).toBe(4);
    expect(JSON.parse(refused.stderr)).toMatchObject({ error: { kind: "auth" } });
    expect((await wharfCli(["token", "rotate", "--token", old])).code).toBe(4);
    expect((await wharfCli(["agents", "--token", token])).code).toBe(0);
    // Without --token the CLI reads the file the server rewrote.
    expect((await wharfCli(["agents"])).code).toBe(0);
    const again = await wharfCli(["token", "rotate", "--json"]);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).token).not.toBe(token);
    expect((await wharfCli(["token", "rotate", "extra"])).code).toBe(2);
    // Later tests in this file use the token the test server started with.
    writeFileSync(path.join(wharf.home, "token"), `${wharf.token}\n`, { mode: 0o600 });
  });
});

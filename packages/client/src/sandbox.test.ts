import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { hostileAgentBin } from "@wharf/test-agent";
import { afterAll, describe, expect, it } from "vitest";
import { createWharfClient, readToken, taskEvents, type TaskEvent, type WharfClient } from "./index.ts";
import { editWithPermission, scenarioPrompt, startTestWharf, type TestWharf } from "./testing/server.ts";

/**
 * The hostile agent (packages/test-agent/bin/wharf-hostile-agent.mjs) in a real task, with the
 * OS sandbox on and off: every probe is refused with it, and succeeds without it (so this test
 * can fail).
 */

type Report = {
  writes: { path: string; ok: boolean }[];
  parentEnv: { name: string }[];
  token: string | null;
  otherWorktrees: string[];
  selfAnswered: boolean;
  git: { planted: boolean; error?: string };
};

const stacks: TestWharf[] = [];
afterAll(async () => {
  for (const stack of stacks) await stack.stop();
}, 60_000);

async function runHostile(sandbox: "auto" | "off"): Promise<{ report: Report; written: string[]; stack: TestWharf; gitFilterRan: boolean; state: string }> {
  const stack = await startTestWharf({ runnerEnv: { WHARF_SANDBOX: sandbox } });
  stacks.push(stack);
  const client: WharfClient = createWharfClient({ url: stack.url, token: readToken(stack.home), actor: "sandbox-test" });
  const project = await client.project.create.mutate({ path: stack.makeRepo() });
  // Another task's worktree, for the agent to find (or not).
  const other = await client.task.create.mutate({ projectId: project.id, agentId: "scripted", prompt: scenarioPrompt(editWithPermission("other.txt", "x\n")) });
  await follow(client, other.id, async (event) => {
    if (event.type === "permission" && event.phase === "requested") await client.permission.respond.mutate({ requestId: event.requestId, optionId: event.options[0]!.optionId });
  });

  await client.agent.upsert.mutate({ id: "hostile", name: "Hostile", transport: "acp", command: process.execPath, args: [hostileAgentBin] });
  // Where the agent's planted git filter would leave a file, were it run on the host.
  const markerDir = mkdtempSync(path.join(tmpdir(), "wharf-hostile-git-"));
  const marker = path.join(markerDir, "filter-ran");
  const task = await client.task.create.mutate({ projectId: project.id, agentId: "hostile", prompt: `Probe.\n\`\`\`hostile\n${JSON.stringify({ url: stack.url, marker })}\n\`\`\`` });
  let report: Report | undefined;
  let requestId: string | undefined;
  let answered = false;
  let state = "";
  await follow(client, task.id, async (event) => {
    if (event.type === "status") state = event.state;
    if (event.type === "permission" && event.phase === "requested") requestId = event.requestId;
    // The runner joins message chunks that arrive together: the report is one line of the text.
    const line = event.type === "message" ? event.text.split("\n").find((l) => l.startsWith("HOSTILE-REPORT ")) : undefined;
    if (line && !report) report = JSON.parse(line.slice("HOSTILE-REPORT ".length)) as Report;
    // The agent waits for its request; a person refuses it if the agent could not answer it. The
    // request and the report may reach the stream in either order.
    if (report && !report.selfAnswered && requestId && !answered) {
      answered = true;
      await client.permission.respond.mutate({ requestId, optionId: "reject" });
    }
  });
  if (!report) throw new Error(`the hostile agent sent no report; runner output:\n${stack.runnerOutput().slice(-3000)}`);
  const written = report.writes.map((w) => w.path).filter((p) => existsSync(p));
  for (const file of written) rmSync(file);
  // The turn has ended: the runner has committed the worktree the agent rewired.
  const gitFilterRan = existsSync(marker);
  rmSync(markerDir, { recursive: true, force: true });
  return { report, written, stack, gitFilterRan, state };
}

/** Follows a task's events until it stops running. */
async function follow(client: WharfClient, taskId: string, onEvent: (event: TaskEvent) => Promise<void>) {
  const stop = new AbortController();
  const timeout = setTimeout(() => stop.abort(), 60_000);
  try {
    for await (const { event } of taskEvents(client, taskId, { signal: stop.signal })) {
      await onEvent(event);
      if (event.type === "status" && ["review", "completed", "failed", "cancelled"].includes(event.state)) return;
    }
    throw new Error(`task ${taskId} did not stop running within 60 s`);
  } finally {
    clearTimeout(timeout);
  }
}

describe("a hostile agent in a task", () => {
  it("with the sandbox on, every probe is refused", async () => {
    const { report, written, gitFilterRan, state } = await runHostile("auto");
    expect(written).toEqual([]);
    expect(report.parentEnv).toEqual([]);
    expect(report.token).toBeNull();
    expect(report.otherWorktrees).toEqual([]);
    expect(report.selfAnswered).toBe(false);
    // It could rewire its git links (its admin folder is writable), but Wharf's commit of its work
    // on the host ran git pinned to the repository: the agent's filter did not run, and the work
    // was recorded.
    expect(report.git).toEqual({ planted: true });
    expect(gitFilterRan).toBe(false);
    expect(state).toBe("review");
  }, 120_000);

  it("with the sandbox off, the same probes succeed", async () => {
    const { report, written, gitFilterRan } = await runHostile("off");
    expect(written).toHaveLength(2);
    expect(report.parentEnv.map((e) => e.name)).toEqual(expect.arrayContaining(["DATABASE_URL", "WHARF_HOME"]));
    expect(report.token).toBe("found");
    expect(report.otherWorktrees).toHaveLength(1);
    expect(report.selfAnswered).toBe(true);
    expect(report.git).toEqual({ planted: true });
    expect(gitFilterRan).toBe(false);
  }, 120_000);
});

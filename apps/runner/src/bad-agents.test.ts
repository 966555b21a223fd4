import { randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeRepo } from "./testing/git-fixture";
import { pidsWithArg } from "./testing/processes";
import { startStack, type Stack } from "./testing/stack";

/**
 * Agent definitions that cannot work: each task must end `failed`, soon, with an error that
 * names the agent and says what is wrong, and leave no process behind. They run with the OS
 * sandbox as configured (on wherever bubblewrap works). An agent that must be seen running first
 * (so the check that nothing is left is not vacuous) says so itself: its first act is a line on
 * stderr, which the task's error quotes. Its command line carries a unique marker, which the
 * host's /proc shows also for processes in the sandbox's own PID namespace.
 */

let stack: Stack;
let dir: string;
let projectId: string;
beforeAll(async () => {
  stack = await startStack({ runnerEnv: { WHARF_AGENT_INITIALIZE_MS: "1500", WHARF_AGENT_PROBE_MS: "0" } });
  dir = mkdtempSync(path.join(os.tmpdir(), "wharf-bad-agents-"));
  projectId = (await stack.api.project.create({ path: makeRepo() })).id;
}, 60_000);
afterAll(async () => {
  await stack?.stop();
}, 30_000);

async function runWith(agent: { id: string; name: string; command: string; args?: string[] }) {
  await stack.api.agent.upsert({ transport: "acp", args: [], ...agent });
  const started = Date.now();
  const created = await stack.api.task.create({ projectId, agentId: agent.id, prompt: "hello" });
  const task = await stack.waitForState(created.id, ["failed", "completed", "review"], 20_000);
  return { task, ms: Date.now() - started };
}

const newMarker = () => `wharf-bad-agent-${randomUUID()}`;

/**
 * An agent whose command no runner can start is in no runner's list of agents: its task is not
 * sent to one to fail, it waits queued, its card saying why, until a runner that has it joins.
 */
async function waitsFor(agent: { id: string; name: string; command: string }) {
  await stack.api.agent.upsert({ transport: "acp", args: [], ...agent });
  const created = await stack.api.task.create({ projectId, agentId: agent.id, prompt: "hello" });
  const queued = await stack.waitForEvent(created.id, (e) => e.type === "status" && e.state === "queued", "the queued status");
  expect(queued.event).toMatchObject({ reason: `no runner has ${agent.name} installed` });
  const { rows } = await stack.services.pool.query<{ state: string; agents: string[] }>(
    `select j.state::text as state, (select coalesce(array_agg(a), '{}') from runner r, unnest(r.agents) a) as agents
       from task t join pgboss.job j on j.id::text = t.job_id where t.id = $1`,
    [created.id],
  );
  expect(rows[0]!.state).toBe("created");
  expect(rows[0]!.agents).not.toContain(agent.id);
  expect((await stack.api.task.cancel({ id: created.id })).state).toBe("cancelled");
}

describe.concurrent("bad agent definitions fail the task with a plain message", () => {
  it("a command that does not exist: the task waits for a runner that has it", async () => {
    await waitsFor({ id: "missing", name: "Missing agent", command: "wharf-no-such-agent" });
  });

  it("a file that is not executable: the task waits for a runner that has it", async () => {
    const file = path.join(dir, "agent.sh");
    writeFileSync(file, "#!/bin/sh\necho hi\n", { mode: 0o644 });
    await waitsFor({ id: "not-executable", name: "Plain file agent", command: file });
  });

  it("an agent that never answers initialize (reads stdin, says nothing)", async () => {
    const marker = newMarker();
    // The shell says it started at once (Node may take longer than the 1.5 s to start on a busy
    // machine), then becomes Node, which reads stdin and says nothing; the marker stays in its arguments.
    const { task, ms } = await runWith({
      id: "silent",
      name: "Silent agent",
      command: "sh",
      args: ["-c", 'echo "$0 started" >&2; exec "$1" -e "process.stdin.resume()" "$0"', marker, process.execPath],
    });
    expect(task.state).toBe("failed");
    expect(task.error).toMatch(/^Agent "Silent agent" did not answer initialize within 1.5 s; check that ".*" starts an ACP agent/);
    expect(ms).toBeLessThan(20_000);
    expect(task.error).toContain(`${marker} started`);
    expect(pidsWithArg(marker)).toEqual([]);
  });

  it("an agent that sleeps and never reads its input", async () => {
    const marker = newMarker();
    // The marker is the shell's $0.
    const { task } = await runWith({ id: "sleepy", name: "Sleepy agent", command: "sh", args: ["-c", 'echo "$0 started" >&2; sleep 1000; :', marker] });
    expect(task.state).toBe("failed");
    expect(task.error).toMatch(/^Agent "Sleepy agent" did not answer initialize within 1.5 s/);
    expect(task.error).toContain(`${marker} started`);
    expect(pidsWithArg(marker)).toEqual([]);
  });

  it("an agent that speaks garbage on stdout", async () => {
    const marker = newMarker();
    // The marker is the shell's $0 (`; :` keeps the shell from exec-ing the sleep).
    const { task, ms } = await runWith({
      id: "garbage",
      name: "Chatty CLI",
      command: "sh",
      args: ["-c", "echo 'Welcome to my CLI! Type help.'; sleep 1000; :", marker],
    });
    expect(task.state).toBe("failed");
    expect(task.error).toMatch(/^Agent "Chatty CLI" wrote something that is not ACP to its standard output/);
    expect(task.error).toContain("Welcome to my CLI! Type help.");
    expect(ms).toBeLessThan(20_000);
    expect(pidsWithArg(marker)).toEqual([]);
  });

  it("an agent that exits at once", async () => {
    const { task } = await runWith({ id: "quitter", name: "Quitter", command: "sh", args: ["-c", "echo 'fatal: no API key configured' >&2; exit 7"] });
    expect(task.state).toBe("failed");
    expect(task.error).toContain('Agent "Quitter" exited before answering initialize (exit code 7)');
    expect(task.error).toContain("no API key configured");
  });
});

import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentEnv } from "../agent-env";
import { alive } from "../testing/processes";
import { RecordingHooks } from "./recording-hooks";
import type { AgentSession, AgentSpec, StartOptions } from "./transport";
import { AcpTransport, splitStartOptions, type WarmOptions } from "./acp-transport";
import { unsandboxed } from "../testing/sandbox";

// Unsandboxed spares (sandboxed ones wait in slot folders: acp-transport-sandbox.test.ts); these tests also read host pids.

/** The scripted ACP agent of packages/test-agent, run as a real process. */
const testAgentBin = fileURLToPath(new URL("../../node_modules/@wharf/test-agent/bin/wharf-test-agent.mjs", import.meta.url));
const agent: AgentSpec = { id: "scripted", name: "Scripted test agent", transport: "acp", command: process.execPath, args: [testAgentBin], env: {} };
const env = agentEnv({ ...process.env, DATABASE_URL: "postgres://secret@localhost/wharf", WHARF_TOKEN: "secret" }, {});

let base: string;
beforeAll(async () => {
  base = await mkdtemp(path.join(tmpdir(), "wharf-warm-"));
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

let n = 0;
const folder = (name: string) => mkdtemp(path.join(base, `${name}-${n++}-`));

const environOf = (pid: number) => readFileSync(`/proc/${pid}/environ`, "latin1").split("\0");
const pidOf = (session: AgentSession) => (session as unknown as { proc: { child: { pid: number } } }).proc.child.pid;
const recordPrompt = (file: string, more: unknown[] = []) =>
  `Record.\n\`\`\`scenario\n${JSON.stringify({ steps: [{ type: "record", path: file }, ...more, { type: "text", text: "hello" }] })}\n\`\`\``;

async function pool(opts: Partial<WarmOptions> = {}): Promise<{ pool: AcpTransport; dir: string; hooks: RecordingHooks }> {
  const hooks = new RecordingHooks();
  const dir = path.join(await folder("spares"), "warm");
  return { pool: new AcpTransport({ dir, idleMs: 10_000, graceMs: 500, log: hooks.log, spareDelayMs: 0, ...opts }, unsandboxed()), dir, hooks };
}

describe.concurrent("warm agents", () => {
  it("hands a prewarmed agent to the task: session/new in the worktree, its file writes land there, the next spare is started", async () => {
    const { pool: warm, dir } = await pool();
    try {
      warm.prewarm(agent, env);
      const sparePid = await warm.sparePid(agent, env);
      expect(sparePid).toBeDefined();
      expect(alive(sparePid!)).toBe(true);
      // The spare runs with the scrubbed environment only, tagged like every agent process.
      const environ = environOf(sparePid!);
      expect(environ.some((v) => v.startsWith("DATABASE_URL=") || v.startsWith("WHARF_TOKEN="))).toBe(false);
      expect(environ.some((v) => v.startsWith("WHARF_PROCESS_TAG="))).toBe(true);

      const worktree = await folder("wt");
      const hooks = new RecordingHooks();
      const session = await warm.start({ agent, cwd: worktree, env, hooks });
      expect(pidOf(session)).toBe(sparePid);
      // fs/write_text_file through Wharf: inside the worktree, not the spare's folder.
      await session.prompt(recordPrompt(path.join(worktree, "record.json"), [{ type: "write_file", path: "a.txt", content: "a\n" }]));
      expect(await readFile(path.join(worktree, "a.txt"), "utf8")).toBe("a\n");
      const record = JSON.parse(await readFile(path.join(worktree, "record.json"), "utf8")) as { cwd: string; processCwd: string; pid: number };
      expect(record).toMatchObject({ cwd: worktree, processCwd: dir, pid: sparePid });
      expect(hooks.events).toContainEqual(expect.objectContaining({ type: "message", role: "agent", text: "hello" }));

      // Another spare replaces the one taken, in a new process.
      const next = await warm.sparePid(agent, env);
      expect(next).toBeDefined();
      expect(next).not.toBe(sparePid);
      await session.close(500);
      expect(alive(sparePid!)).toBe(false);
    } finally {
      await warm.close();
    }
  });

  it("a different environment never gets another agent's spare", async () => {
    const { pool: warm } = await pool();
    try {
      warm.prewarm(agent, env);
      const sparePid = await warm.sparePid(agent, env);
      const other = { ...env, ANTHROPIC_API_KEY: "another-key" };
      expect(await warm.sparePid(agent, other)).toBeUndefined();
      const session = await warm.start({ agent, cwd: await folder("wt"), env: other, hooks: new RecordingHooks() });
      expect(pidOf(session)).not.toBe(sparePid);
      expect(environOf(pidOf(session))).toContain("ANTHROPIC_API_KEY=another-key");
      expect(environOf(sparePid!)).not.toContain("ANTHROPIC_API_KEY=another-key");
      await session.close(500);
    } finally {
      await warm.close();
    }
  });

  it("stops an unused spare after the idle time, and keeps none with an idle time of 0", async () => {
    const { pool: warm } = await pool({ idleMs: 300 });
    warm.prewarm(agent, env);
    const sparePid = await warm.sparePid(agent, env);
    expect(alive(sparePid!)).toBe(true);
    await sleep(1200);
    expect(alive(sparePid!)).toBe(false);
    expect(warm.size).toBe(0);
    await warm.close();

    const { pool: none } = await pool({ idleMs: 0 });
    none.prewarm(agent, env);
    expect(none.size).toBe(0);
    const session = await none.start({ agent, cwd: await folder("wt"), env, hooks: new RecordingHooks() });
    expect(none.size).toBe(0);
    await session.close(500);
    await none.close();
  });

  it("does not hand out a spare that died; the task starts its agent anew", async () => {
    const { pool: warm } = await pool();
    try {
      warm.prewarm(agent, env);
      const sparePid = await warm.sparePid(agent, env);
      process.kill(sparePid!, "SIGKILL");
      const hooks = new RecordingHooks();
      const worktree = await folder("wt");
      const session = await warm.start({ agent, cwd: worktree, env, hooks });
      expect(pidOf(session)).not.toBe(sparePid);
      await session.prompt(recordPrompt(path.join(worktree, "record.json")));
      expect(hooks.events).toContainEqual(expect.objectContaining({ type: "message", role: "agent", text: "hello" }));
      await session.close(500);
    } finally {
      await warm.close();
    }
  });

  it("an agent that cannot start fails the task with the usual error, and no spare is kept for it", async () => {
    const { pool: warm } = await pool();
    const missing: AgentSpec = { ...agent, id: "missing", command: "/nonexistent/wharf-agent", args: [] };
    try {
      warm.prewarm(missing, env);
      const error = await warm.start({ agent: missing, cwd: await folder("wt"), env, hooks: new RecordingHooks() }).then(
        () => new Error("expected a rejection"),
        (e: unknown) => e as Error,
      );
      expect(error.message).toContain('the command "/nonexistent/wharf-agent" was not found');
      expect(warm.size).toBe(0);
    } finally {
      await warm.close();
    }
  });

  it("close stops every spare and starts no more", async () => {
    const { pool: warm } = await pool();
    warm.prewarm(agent, env);
    const sparePid = await warm.sparePid(agent, env);
    await warm.close();
    expect(alive(sparePid!)).toBe(false);
    warm.prewarm(agent, env);
    expect(warm.size).toBe(0);
  });
});

describe("one mapping of StartOptions", () => {
  it("hands every field of StartOptions on, to the launch or to the session", () => {
    const hooks = new RecordingHooks();
    const all: Required<StartOptions> & { timeouts: Required<NonNullable<StartOptions["timeouts"]>> } = {
      agent,
      cwd: "/worktree",
      env: { A: "env" },
      terminalEnv: { A: "terminal" },
      hooks,
      resumeSessionId: "session-1",
      mcpServers: [{ type: "stdio", name: "tools", command: "/bin/tools", args: [], env: {} }],
      mode: "mode-1",
      model: "model-1",
      timeouts: { initializeMs: 1111, sessionMs: 2222 },
    };
    const { launch, binding } = splitStartOptions(all);
    const given = Object.values({ ...launch, ...binding });
    const { timeouts, ...fields } = all;
    for (const [name, value] of Object.entries({ ...fields, ...timeouts })) {
      expect({ name, found: given.includes(value) }).toEqual({ name, found: true });
    }
    expect(launch).toEqual({ agent, env: { A: "env" }, initializeMs: 1111 });
    expect(binding).toMatchObject({ cwd: "/worktree", terminalEnv: { A: "terminal" }, sessionMs: 2222 });
  });

  it("gives terminals the agent's environment when no terminal environment is set", () => {
    const { binding } = splitStartOptions({ agent, cwd: "/worktree", env: { A: "env" }, hooks: new RecordingHooks() });
    expect(binding.terminalEnv).toEqual({ A: "env" });
  });
});

describe.concurrent("the task's terminal environment", () => {
  const terminalPrompt = `Run.\n\`\`\`scenario\n${JSON.stringify({
    steps: [{ type: "terminal", command: "/bin/sh", args: ["-c", 'echo "seen:[$AGENT_ONLY|$TERMINAL_ONLY]"'], echo: true }],
  })}\n\`\`\``;
  const agentOnly = { ...env, AGENT_ONLY: "agent-secret" };
  const terminalEnv = { ...env, TERMINAL_ONLY: "for-commands" };

  for (const warmFirst of [true, false]) {
    it(`reaches the commands of ${warmFirst ? "a warm agent" : "an agent started for the task"}`, async () => {
      const { pool: transport } = await pool();
      try {
        if (warmFirst) {
          transport.prewarm(agent, agentOnly);
          expect(await transport.sparePid(agent, agentOnly)).toBeDefined();
        }
        const hooks = new RecordingHooks();
        const session = await transport.start({ agent, cwd: await folder("wt"), env: agentOnly, terminalEnv, hooks });
        if (warmFirst) expect(transport.size).toBe(1); // the spare was taken and the next one is starting
        await session.prompt(terminalPrompt);
        expect(hooks.text()).toContain("seen:[|for-commands]");
        await session.close(500);
      } finally {
        await transport.close();
      }
    });
  }
});

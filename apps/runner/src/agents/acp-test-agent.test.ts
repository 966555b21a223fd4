import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { taskEventSchema, type McpServerConfig } from "@wharf/api/schemas";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentEnv } from "../agent-env";
import { alive, runningMembers } from "../testing/processes";
import { AcpTransport } from "./acp-transport";
import { RecordingHooks, rejectFirst, waitForAbort } from "./recording-hooks";
import { AgentError, type AgentSession, type StartOptions } from "./transport";
import { unsandboxed } from "../testing/sandbox";

/** The ACP transport the runner uses, without warm agents: each start launches its agent. */
const acpTransport = new AcpTransport();
/** The same with the OS sandbox off, for tests that look at host pids or files outside the worktree. */
const unconfinedTransport = new AcpTransport(undefined, unsandboxed());

/** The scripted ACP agent of packages/test-agent (a dev dependency), run as a real process. */
const testAgentBin = fileURLToPath(new URL("../../node_modules/@wharf/test-agent/bin/wharf-test-agent.mjs", import.meta.url));

let base: string;
beforeAll(async () => {
  base = await mkdtemp(path.join(tmpdir(), "wharf-acp-"));
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

let n = 0;
async function worktree(): Promise<string> {
  const dir = await mkdtemp(path.join(base, `wt-${n++}-`));
  return dir;
}

type Options = Partial<Omit<StartOptions, "agent" | "hooks">> & { scenario?: unknown; command?: string; args?: string[]; unconfined?: boolean };

async function start(hooks: RecordingHooks, opts: Options = {}): Promise<AgentSession & { pid: number; cwd: string }> {
  const cwd = opts.cwd ?? (await worktree());
  const scenario = opts.scenario === undefined ? "echo" : typeof opts.scenario === "string" ? opts.scenario : JSON.stringify(opts.scenario);
  const session = await (opts.unconfined ? unconfinedTransport : acpTransport).start({
    agent: {
      id: "test",
      name: "Wharf test agent",
      transport: "acp",
      command: opts.command ?? process.execPath,
      args: opts.args ?? [testAgentBin],
      env: {},
    },
    cwd,
    env: opts.env ?? agentEnv(process.env, { WHARF_SCENARIO: scenario }),
    hooks,
    ...(opts.resumeSessionId && { resumeSessionId: opts.resumeSessionId }),
    ...(opts.mcpServers && { mcpServers: opts.mcpServers }),
    ...(opts.mode && { mode: opts.mode }),
    ...(opts.model && { model: opts.model }),
    ...(opts.timeouts && { timeouts: opts.timeouts }),
  });
  const pid = (session as unknown as { proc: { child: { pid: number } } }).proc.child.pid;
  return Object.assign(session, { pid, cwd });
}

async function rejection(promise: Promise<unknown>): Promise<AgentError> {
  const error = await promise.then(
    () => new Error("expected a rejection"),
    (e: unknown) => e,
  );
  if (!(error instanceof AgentError)) throw error;
  return error;
}

describe.concurrent("ACP client against the scripted test agent", () => {
  it("edit-file, allowed: streams events and writes the file through fs/write_text_file", async () => {
    const hooks = new RecordingHooks();
    const session = await start(hooks, { scenario: "edit-file" });
    expect(session.info).toMatchObject({ name: "Wharf test agent", version: "0.1.0", loadSession: true, currentMode: "code" });
    expect(session.info.models.map((m) => m.id)).toEqual(["test-small", "test-large"]);

    expect(await session.prompt("go")).toEqual({ stopReason: "end_turn" });
    await expect(readFile(path.join(session.cwd, "hello.txt"), "utf8")).resolves.toBe("Hello from Wharf!\n");
    expect(hooks.text()).toBe("I will create hello.txt with a greeting.Done: hello.txt now greets you.");
    expect(hooks.text("thought")).toContain("writing it needs permission");
    expect(hooks.asks[0]?.ask.toolCall).toMatchObject({ toolCallId: "edit-hello", status: "awaiting_permission" });
    expect(hooks.toolCalls("edit-hello").map((e) => e.type === "tool_call" && e.status)).toEqual([
      "pending",
      "awaiting_permission",
      "in_progress",
      "in_progress",
      "completed",
    ]);
    const types = new Set(hooks.events.map((e) => e.type));
    for (const t of ["message", "plan", "tool_call", "usage", "commands"]) expect(types).toContain(t);
    for (const event of hooks.events) expect(taskEventSchema.safeParse(event).success).toBe(true);

    // A follow-up prompt in the same session reads the file and appends a line.
    expect(await session.prompt("and again")).toEqual({ stopReason: "end_turn" });
    await expect(readFile(path.join(session.cwd, "hello.txt"), "utf8")).resolves.toBe("Hello from Wharf!\nAnd hello again.\n");
    await session.close();
    expect(await runningMembers(session.pid)).toEqual([]);
  });

  it("edit-file, rejected: nothing is written and the tool call is denied", async () => {
    const hooks = new RecordingHooks(rejectFirst);
    const session = await start(hooks, { scenario: "edit-file" });
    expect(await session.prompt("go")).toEqual({ stopReason: "end_turn" });
    expect(existsSync(path.join(session.cwd, "hello.txt"))).toBe(false);
    expect(hooks.text()).toContain("I was told no, so I wrote nothing.");
    expect(hooks.toolCalls("edit-hello").map((e) => e.type === "tool_call" && e.status)).toContain("denied");
    await session.close();
  });

  it("cancel while a permission ask is pending: the ask aborts, the turn ends cancelled", async () => {
    const hooks = new RecordingHooks(waitForAbort);
    const session = await start(hooks, { scenario: "edit-file" });
    const asked = hooks.nextAsk();
    const turn = session.prompt("go");
    const { signal } = await asked;
    await session.cancel();
    expect(signal.aborted).toBe(true);
    expect(await turn).toEqual({ stopReason: "cancelled" });
    expect(existsSync(path.join(session.cwd, "hello.txt"))).toBe(false);
    await session.close();
  });

  it("an agent that exits mid-turn rejects the prompt with its exit and stderr", async () => {
    const hooks = new RecordingHooks();
    const session = await start(hooks, { scenario: "crash-mid-turn" });
    const error = await rejection(session.prompt("go"));
    expect(error.stage).toBe("prompt");
    expect(error.agentName).toBe("Wharf test agent");
    expect(error.exit?.code).toBe(3);
    expect(error.stderrTail).toContain("panic: simulated crash");
    expect(error.message).toContain('Agent "Wharf test agent" exited in the middle of a turn (exit code 3).');
    expect(error.message).toContain("panic: simulated crash");
    expect(hooks.text()).toBe("Starting work...");
    await expect(session.exited).resolves.toMatchObject({ code: 3 });
    await rejection(session.prompt("again"));
    await session.close();
  });

  it("garbage on stdout fails the turn with a protocol error and stops the agent", async () => {
    const hooks = new RecordingHooks();
    const session = await start(hooks, { scenario: "garbage" });
    const started = Date.now();
    const error = await rejection(session.prompt("go"));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(error.stage).toBe("protocol");
    expect(error.message).toContain("this is not JSON-RPC {{{");
    await session.exited;
    await session.close();
    expect(await runningMembers(session.pid)).toEqual([]);
  });

  it("a hung agent: cancel is ignored, close stops it and the prompt rejects", async () => {
    const hooks = new RecordingHooks();
    const session = await start(hooks, { scenario: "hang" });
    const turn = rejection(session.prompt("go"));
    await hooks.nextEvent((e) => e.type === "message" && e.text.includes("Thinking very hard"));
    await session.cancel();
    const exit = await session.close(500);
    // close ends stdin first: a hung agent may end on that by itself (exit 0) before SIGTERM
    // reaches it, which in the OS sandbox (terminateGroup looks through /proc first) often does.
    expect(["SIGTERM", 0]).toContain(exit.signal ?? exit.code);
    const error = await turn;
    expect(error.message).toContain("was stopped before it finished");
    expect(await runningMembers(session.pid)).toEqual([]);
  });

  it("an agent that ignores SIGTERM (and stdin closing) is killed after the grace period", async () => {
    const hooks = new RecordingHooks();
    const session = await start(hooks, {
      scenario: "hang",
      command: "sh",
      args: ["-c", `trap '' TERM; "${process.execPath}" "${testAgentBin}"; sleep 30`],
    });
    const turn = rejection(session.prompt("go"));
    await hooks.nextEvent((e) => e.type === "message");
    const started = Date.now();
    const exit = await session.close(300);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(exit.signal).toBe("SIGKILL");
    await turn;
    expect(await runningMembers(session.pid)).toEqual([]);
  });

  it("a detached child (setsid) the agent leaves behind does not survive close", async () => {
    const hooks = new RecordingHooks();
    const scenario = {
      steps: [
        { type: "spawn_detached", pidFile: "child.pid", command: "sleep", args: ["9999"] },
        { type: "text", text: "spawned" },
        { type: "hang" },
      ],
    };
    const session = await start(hooks, { scenario, unconfined: true }); // host pids
    const turn = rejection(session.prompt("go"));
    await hooks.nextEvent((e) => e.type === "message" && e.text === "spawned");
    const childPid = Number((await readFile(path.join(session.cwd, "child.pid"), "utf8")).trim());
    expect(alive(childPid)).toBe(true);
    await session.close(500);
    await turn;
    expect(alive(childPid)).toBe(false);
  });

  it("quirks: duplicate and unknown tool calls, extra update kinds, an update after the response", async () => {
    const hooks = new RecordingHooks();
    const session = await start(hooks, { scenario: "quirks" });
    expect(await session.prompt("go")).toEqual({ stopReason: "end_turn" });
    await hooks.nextEvent((e) => e.type === "message" && e.text.includes("A late chunk after the response."));
    expect(hooks.toolCalls("dup-1").length).toBe(2);
    expect(hooks.toolCalls("dup-1")[1]).toMatchObject({ content: [{ type: "diff", newText: "# Notes\n" }] });
    expect(hooks.toolCalls("ghost-1")).toEqual([{ type: "tool_call", toolCallId: "ghost-1", title: "Ghost tool", status: "completed" }]);
    expect(hooks.events).toContainEqual({ type: "mode", modeId: "ask" });
    expect(hooks.events).toContainEqual({ type: "usage", used: 10, size: 1000 });
    expect(hooks.logs.filter((l) => l.level === "error")).toEqual([]);
    await session.close();
  });

  it("logs and skips malformed updates, and goes on with the turn", async () => {
    const hooks = new RecordingHooks();
    const session = await start(hooks, {
      scenario: {
        steps: [
          { type: "update", update: { sessionUpdate: "agent_message_chunk" } },
          { type: "update", update: { sessionUpdate: "plan", entries: "soon" } },
          { type: "update", update: { sessionUpdate: "tool_call", toolCallId: "odd", title: "Browse", kind: "browse" } },
          { type: "update", update: { sessionUpdate: "subagent_spawned", id: 1 } },
          { type: "ext_notification", method: "_vendor/progress", params: { pct: 50 } },
          { type: "text", text: "still here" },
        ],
      },
    });
    expect(await session.prompt("go")).toEqual({ stopReason: "end_turn" });
    expect(hooks.text()).toBe("still here");
    expect(hooks.toolCalls("odd")).toEqual([{ type: "tool_call", toolCallId: "odd", title: "Browse", kind: "other" }]);
    const warnings = hooks.logs.filter((l) => l.level === "warn");
    expect(warnings.map((w) => (w.fields as { kind?: string }).kind)).toEqual(["agent_message_chunk", "plan"]);
    expect(hooks.logs).toContainEqual({ level: "info", msg: "ignoring session/update kind", fields: { kind: "subagent_spawned" } });
    await session.close();
  });

  it("refuses fs access outside the worktree and tells the agent why", async () => {
    const hooks = new RecordingHooks();
    const cwd = await worktree();
    await writeFile(path.join(path.dirname(cwd), "outside.txt"), "secret");
    const session = await start(hooks, { scenario: "read-outside", cwd });
    expect(await session.prompt("go")).toEqual({ stopReason: "end_turn" });
    const text = hooks.text();
    expect(text).toContain("read_file ../outside.txt failed");
    expect(text).toContain("outside the task's worktree");
    expect(text).toContain("read_file /etc/hostname failed");
    expect(text).toContain("write_file ../escaped.txt failed");
    expect(text).not.toContain("secret");
    expect(existsSync(path.join(path.dirname(cwd), "escaped.txt"))).toBe(false);
    await session.close();
  });

  it("runs terminal commands in the worktree and streams their output", async () => {
    const hooks = new RecordingHooks();
    const session = await start(hooks, { scenario: "run-command" });
    expect(await session.prompt("go")).toEqual({ stopReason: "end_turn" });
    const output = hooks.events.filter((e) => e.type === "terminal_output");
    const all = output.map((e) => (e.type === "terminal_output" ? e.data : "")).join("");
    expect(all).toContain("hello from the terminal");
    expect(all).toContain("to stderr");
    expect(output.at(-1)).toMatchObject({ exitCode: 0, signal: null });
    expect(hooks.text()).toContain("hello from the terminal");
    expect(hooks.toolCalls("run-echo")[0]).toMatchObject({ kind: "execute", content: [{ type: "terminal" }] });
    await session.close();
  });

  it("applies the requested mode and model, and advertises fs and terminal to the agent", async () => {
    const hooks = new RecordingHooks();
    const session = await start(hooks, {
      scenario: { steps: [{ type: "record", path: "record.json" }] },
      mode: "ask",
      model: "test-large",
    });
    expect(session.info).toMatchObject({ currentMode: "ask", currentModel: "test-large" });
    expect(hooks.events).toContainEqual({ type: "mode", modeId: "ask" });
    await session.prompt("go");
    const record = JSON.parse(await readFile(path.join(session.cwd, "record.json"), "utf8"));
    expect(record).toMatchObject({
      sessionId: session.sessionId,
      modeId: "ask",
      model: "test-large",
      cwd: session.cwd,
      processCwd: session.cwd,
      mcpServers: [],
      clientCapabilities: { fs: { readTextFile: true, writeTextFile: true }, terminal: true },
      clientInfo: { name: "wharf" },
    });
    await session.close();
  });

  it("ignores a mode or model the agent does not offer, with a warning", async () => {
    const hooks = new RecordingHooks();
    const session = await start(hooks, { mode: "yolo", model: "gpt-99" });
    expect(session.info).toMatchObject({ currentMode: "code", currentModel: "test-small" });
    expect(hooks.logs.filter((l) => l.level === "warn").map((l) => l.msg)).toEqual([
      "the agent does not offer the requested mode",
      "the agent does not offer the requested model",
    ]);
    await session.close();
  });

  it("resumes an earlier session with session/load", async () => {
    const first = await start(new RecordingHooks());
    const sessionId = first.sessionId;
    await first.close();
    const hooks = new RecordingHooks();
    const session = await start(hooks, {
      cwd: first.cwd,
      resumeSessionId: sessionId,
      scenario: { steps: [{ type: "record", path: "resumed.json" }] },
    });
    expect(session.sessionId).toBe(sessionId);
    await session.prompt("go");
    const record = JSON.parse(await readFile(path.join(session.cwd, "resumed.json"), "utf8"));
    expect(record.sessionId).toBe(sessionId);
    await session.close();
  });

  it("gives the MCP servers again in session/load, as far as the agent takes them", async () => {
    const profile = { agent: { mcp: { http: true, sse: false } }, steps: [{ type: "record", path: "loaded.json" }] };
    const mcpServers: McpServerConfig[] = [
      { type: "stdio" as const, name: "files", command: "/usr/bin/mcp-files", args: ["-v"], env: { TOKEN: "t" } },
      { type: "http" as const, name: "search", url: "https://mcp.example.com/mcp", headers: { Authorization: "Bearer h" } },
      { type: "sse" as const, name: "events", url: "https://mcp.example.com/sse", headers: {} },
    ];
    const first = await start(new RecordingHooks(), { scenario: profile, mcpServers });
    const sessionId = first.sessionId;
    await first.close();
    const hooks = new RecordingHooks();
    const session = await start(hooks, { cwd: first.cwd, resumeSessionId: sessionId, scenario: profile, mcpServers });
    expect(session.sessionId).toBe(sessionId);
    await session.prompt("go");
    const record = JSON.parse(await readFile(path.join(session.cwd, "loaded.json"), "utf8"));
    expect(record.mcpServers).toEqual([
      { name: "files", command: "/usr/bin/mcp-files", args: ["-v"], env: [{ name: "TOKEN", value: "t" }] },
      { type: "http", name: "search", url: "https://mcp.example.com/mcp", headers: [{ name: "Authorization", value: "Bearer h" }] },
    ]);
    expect(hooks.events).toContainEqual({ type: "error", message: `MCP server "events" was not given to Wharf test agent: it is an sse server, and the agent takes only stdio and http MCP servers.` });
    await session.close();
  });

  it("passes only the scrubbed environment to the agent", async () => {
    const hooks = new RecordingHooks();
    const env = agentEnv(
      { ...process.env, DATABASE_URL: "postgres://secret", PGPASSWORD: "secret", WHARF_TOKEN: "secret", GIT_DIR: "/x" },
      { WHARF_SCENARIO: JSON.stringify({ steps: [{ type: "env_dump", path: "env.json" }] }), AGENT_KEY: "k" },
    );
    const session = await start(hooks, { env });
    await session.prompt("go");
    const dumped = JSON.parse(await readFile(path.join(session.cwd, "env.json"), "utf8")) as Record<string, string>;
    expect(dumped.AGENT_KEY).toBe("k");
    expect(dumped.WHARF_PROCESS_TAG).toMatch(/^\d+\.\d+\.[0-9a-f-]{36}$/);
    for (const name of ["DATABASE_URL", "PGPASSWORD", "WHARF_TOKEN", "GIT_DIR"]) expect(dumped[name]).toBeUndefined();
    await session.close();
  });
});

describe.concurrent("start failures", () => {
  it("an agent that never answers initialize times out, naming the agent", async () => {
    const hooks = new RecordingHooks();
    const started = Date.now();
    const error = await rejection(
      start(hooks, { scenario: { agent: { initializeDelayMs: 60_000 }, steps: [] }, timeouts: { initializeMs: 500 } }),
    );
    expect(Date.now() - started).toBeLessThan(5000);
    expect(error.stage).toBe("initialize");
    expect(error.message).toMatch(/^Agent "Wharf test agent" did not answer initialize within 0.5 s/);
  });

  it("an agent that exits at once fails with its exit code and stderr", async () => {
    const error = await rejection(
      start(new RecordingHooks(), { command: "sh", args: ["-c", "echo 'fatal: no API key configured' >&2; exit 7"] }),
    );
    expect(error.stage).toBe("initialize");
    expect(error.exit?.code).toBe(7);
    expect(error.stderrTail).toContain("no API key configured");
    expect(error.message).toContain("exited before answering initialize (exit code 7)");
  });

  it("a command that does not exist fails at spawn", async () => {
    const error = await rejection(start(new RecordingHooks(), { command: "wharf-no-such-agent", args: [] }));
    expect(error.stage).toBe("spawn");
    expect(error.message).toContain('the command "wharf-no-such-agent" was not found');
  });

  it("a program that is not an ACP agent (prints text) fails fast and is stopped", async () => {
    const cwd = await worktree();
    const started = Date.now();
    const error = await rejection(
      // host pids
      start(new RecordingHooks(), { cwd, command: "sh", args: ["-c", "echo $$ > shell.pid; echo 'Welcome to my CLI!'; sleep 30"], unconfined: true }),
    );
    expect(Date.now() - started).toBeLessThan(5000);
    expect(error.stage).toBe("protocol");
    expect(error.message).toContain("Welcome to my CLI!");
    const shellPid = Number((await readFile(path.join(cwd, "shell.pid"), "utf8")).trim());
    expect(await runningMembers(shellPid)).toEqual([]);
  });

  it("a missing worktree is reported before anything starts", async () => {
    const error = await rejection(start(new RecordingHooks(), { cwd: path.join(base, "does-not-exist") }));
    expect(error.stage).toBe("spawn");
    expect(error.message).toContain("does not exist");
  });
});

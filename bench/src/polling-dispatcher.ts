import { spawn } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import type pg from "pg";
import { appendEvents } from "@wharf/db/pg";
import { agentChunkText, newSessionResultSchema, parseRpcLine } from "./jsonrpc";
import { repoRoot } from "./stack";

const agentBin = path.join(repoRoot, "packages/test-agent/bin/wharf-test-agent.mjs");

/**
 * The design Wharf replaced, kept only as a baseline: every `intervalMs` it looks for a queued
 * task in the tasks table and runs it (one at a time) with the scripted agent in the project's
 * directory, writing the same events. Its polling is the point of the comparison.
 */
export class PollingDispatcher {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private current: Promise<void> = Promise.resolve();

  constructor(
    private readonly pool: pg.Pool,
    private readonly intervalMs = 5000,
  ) {}

  start(): void {
    this.timer = setTimeout(() => this.tick(), this.intervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.current;
  }

  private tick(): void {
    this.current = this.runQueued().then(
      () => undefined,
      (error: unknown) => console.error("[polling baseline] a tick failed", error),
    );
    void this.current.then(() => {
      if (!this.stopped) this.timer = setTimeout(() => this.tick(), this.intervalMs);
    });
  }

  private async runQueued(): Promise<void> {
    for (;;) {
      const { rows } = await this.pool.query<{ id: string; prompt: string; path: string }>(
        `update task t set state = 'running', started_at = now(), updated_at = now()
         from project p
         where t.id = (select id from task where state = 'queued' and job_id is null order by created_at limit 1 for update skip locked)
           and p.id = t.project_id
         returning t.id, t.prompt, p.repo_path as path`,
      );
      const task = rows[0];
      if (!task || this.stopped) return;
      await appendEvents(this.pool, task.id, [{ type: "status", state: "running", reason: "picked up by the poller" }], { state: "running" });
      await runAgent(task.prompt, task.path, (text) => appendEvents(this.pool, task.id, [{ type: "message", role: "agent", text }]));
      await this.pool.query(`update task set state = 'completed', finished_at = now(), updated_at = now() where id = $1`, [task.id]);
      await appendEvents(this.pool, task.id, [{ type: "status", state: "completed", reason: "the turn ended" }], { state: "completed" });
    }
  }
}

/** One prompt over ACP (newline-delimited JSON-RPC on stdio), then the agent is closed. */
async function runAgent(prompt: string, cwd: string, onText: (text: string) => Promise<unknown>): Promise<void> {
  const child = spawn(process.execPath, [agentBin], { cwd, stdio: ["pipe", "pipe", "ignore"] });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const writes: Promise<unknown>[] = [];
  let nextId = 1;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.once("exit", () => {
    for (const p of pending.values()) p.reject(new Error("the agent exited"));
  });
  createInterface({ input: child.stdout }).on("line", (line) => {
    const msg = parseRpcLine(line);
    if (!msg) return; // not JSON-RPC
    const text = agentChunkText(msg);
    if (text !== null) {
      if (text) writes.push(onText(text));
    } else if (msg.method && msg.id !== undefined) {
      child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id: msg.id, error: { code: -32601, message: "not supported" } })}\n`);
    } else if (typeof msg.id === "number" && pending.has(msg.id)) {
      const p = pending.get(msg.id)!;
      pending.delete(msg.id);
      if (msg.error) p.reject(new Error(msg.error.message));
      else p.resolve(msg.result);
    }
  });
  const call = (method: string, params: unknown) =>
    new Promise<unknown>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id, method, params })}\n`);
    });
  try {
    await call("initialize", { protocolVersion: 1, clientCapabilities: { fs: { readTextFile: false, writeTextFile: false }, terminal: false } });
    const session = newSessionResultSchema.parse(await call("session/new", { cwd, mcpServers: [] }));
    await call("session/prompt", { sessionId: session.sessionId, prompt: [{ type: "text", text: prompt }] });
    await Promise.all(writes);
  } finally {
    child.stdin.end();
    await exited;
  }
}

import { spawn } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { mkdtemp } from "node:fs/promises";
import { createWorktree, silentLogger } from "@wharf/git";
import type { Figure, FigureContext } from "../figure";
import { agentChunkText, newSessionResultSchema, parseRpcLine } from "../jsonrpc";
import { summarize } from "../stats";

/** task.create returns → the first agent text of the ACP SDK 1.9.0 example agent at the subscriber. */
export const firstText: Figure = {
  id: "first-text",
  title: "time to first agent text",
  async run(ctx) {
    const { api } = ctx.stack;
    await ctx.runner();
    const projectId = await ctx.stack.project();
    const runs = ctx.quick ? 5 : 15;
    const { latency, afterRunning } = await measureFirstText(ctx, projectId, runs);
    // Wharf's worktree for the same small repository, by itself.
    const repoPath = (await api.project.get({ id: projectId })).repoPath;
    const worktreesDir = await mkdtemp(path.join(ctx.stack.dir, "first-text-worktrees-"));
    const worktree: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      await createWorktree({ repoPath, baseBranch: "main", taskId: `first-text-${i}`, worktreesDir, logger: silentLogger });
      worktree.push(performance.now() - t);
    }
    // The agent by itself, driven over stdio with nothing else in between: the floor of the above.
    const alone: number[] = [];
    for (let i = 0; i < runs; i++) alone.push(await agentAlone(ctx.stack.dir));
    const s = summarize(latency);
    const a = summarize(alone);
    return [
      {
        figure: "4 first text",
        metric: "task.create returned → first agent `message` (acp-example)",
        summary: s,
        target: "median ≤ 150 (peers: 606, ~1,200)",
        met: s.median <= 150,
        note: "includes worktree, agent spawn, initialize, session/new",
      },
      { figure: "4 first text", metric: "of which: `running` → first agent text", summary: summarize(afterRunning) },
      { figure: "4 first text", metric: "createWorktree on the same small repository, alone", summary: summarize(worktree) },
      {
        figure: "4 first text",
        metric: "the example agent alone: spawn → initialize → session/new → first text",
        summary: a,
        note: `Wharf adds ${Math.round(s.median - a.median)} ms at the median`,
      },
    ];
  },
};

/** `runs` tasks of the example agent, one after another (plus one unmeasured warm-up): ms from task.create to its first text. */
export async function measureFirstText(ctx: FigureContext, projectId: string, runs: number): Promise<{ latency: number[]; afterRunning: number[] }> {
  const { api, tap } = ctx.stack;
  const latency: number[] = [];
  const afterRunning: number[] = [];
  for (let i = -1; i < runs; i++) {
    const task = await api.task.create({ projectId, agentId: "acp-example", prompt: "Say hello." });
    const returned = performance.now();
    const running = tap.waitFor(task.id, (e) => e.event.type === "status" && e.event.state === "running", "running");
    const first = await tap.waitFor(task.id, (e) => e.event.type === "message" && e.event.role === "agent", "the first agent text");
    if (i >= 0) {
      latency.push(first.at - returned);
      afterRunning.push(first.at - (await running).at);
    }
    // The example agent goes on to ask for a permission; the measurement is done.
    await api.task.cancel({ id: task.id });
    await ctx.stack.waitTurnOver(task.id);
  }
  return { latency, afterRunning };
}

// The same file the runner's `acp-example` preset runs: examples/agent.js next to the SDK's entry.
const exampleAgent = path.join(path.dirname(fileURLToPath(import.meta.resolve("@agentclientprotocol/sdk-example"))), "examples", "agent.js");

/** Spawns the example agent and drives one prompt over newline-delimited JSON-RPC; ms to its first text. */
function agentAlone(cwd: string): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, [exampleAgent], { cwd, stdio: ["pipe", "pipe", "ignore"] });
  const send = (id: number, method: string, params: unknown) => child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id, method, params })}\n`);
  return new Promise<number>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`the example agent exited (${code}) before its first text`)));
    createInterface({ input: child.stdout }).on("line", (line) => {
      const msg = parseRpcLine(line);
      if (!msg) return;
      if (msg.id === 1) send(2, "session/new", { cwd, mcpServers: [] });
      else if (msg.id === 2) {
        const session = newSessionResultSchema.safeParse(msg.result);
        if (!session.success) return reject(new Error(`session/new answered ${JSON.stringify(msg.result)}`));
        send(3, "session/prompt", { sessionId: session.data.sessionId, prompt: [{ type: "text", text: "Say hello." }] });
      } else if (agentChunkText(msg) !== null) {
        const ms = performance.now() - started;
        child.removeAllListeners("exit");
        child.once("exit", () => resolve(ms));
        child.kill("SIGTERM");
      }
    });
    send(1, "initialize", { protocolVersion: 1, clientCapabilities: {} });
  });
}

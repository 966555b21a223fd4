import { createHash } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { assertWorkingDirectory, launchAgent, openSession, type LaunchedAgent } from "./acp-transport";
import { activeSandbox } from "../sandbox";
import type { Failure } from "./agent-process";
import type { AgentSession, AgentSpec, AgentTransport, Logger, SessionHooks, StartOptions } from "./transport";

/**
 * Warm ACP agents: one spawned and `initialize`d agent process per recently used agent, so that
 * a task only waits for `session/new` in its worktree (spawning Node and loading an agent's code
 * takes 100–300 ms; session/new a few).
 *
 * - A spare is started when a task takes the previous one (or starts its agent cold), and, through
 *   `prewarm`, as soon as a task is claimed, so the agent starts while the worktree is created.
 * - It lives `idleMs` after the last use of its agent (the same bound as an idle parked agent),
 *   then it is stopped; runner stop stops every spare.
 * - It is an ordinary agent process (`processes/spawn.ts`: own group, tagged, reaped after a crash)
 *   with exactly the environment a task's agent gets (`agentEnv`), keyed by a hash of agent and
 *   environment, so a changed agent configuration never hands out a stale process.
 * - Its working directory is an empty folder, and until a task takes it, its fs and terminal
 *   requests are confined to that folder and its updates and permission asks are dropped.
 */

export type WarmPoolOptions = {
  /** An empty folder: the working directory of agents started before their task. */
  dir: string;
  /** How long a spare is kept after its agent was last used; 0 keeps none. */
  idleMs: number;
  /** SIGTERM → SIGKILL grace when a spare is stopped. */
  graceMs: number;
  log: Logger;
  /** How long a spare gets to answer `initialize` (the runner's WHARF_AGENT_INITIALIZE_MS). */
  initializeMs?: number;
  /** Wait after a task took its agent before starting the next spare (keeps the two from competing for CPU). */
  spareDelayMs?: number;
};

/** `wanted` turns false when the spare expires or the pool closes before its process started. */
type Spare = { launched: Promise<LaunchedAgent>; expiry: NodeJS.Timeout; hurry(): void; wanted: boolean };

export class WarmPool {
  private readonly spares = new Map<string, Spare>();
  private readonly stopping = new Set<Promise<void>>();
  private closed = false;
  private dirReady: Promise<void> | undefined;
  readonly transport: AgentTransport;

  constructor(private readonly opts: WarmPoolOptions) {
    this.transport = {
      start: (start) => this.start(start),
      prewarm: (agent, env) => this.prewarm(agent, env),
    };
  }

  /** A task will start this agent soon: start a spare now unless one is ready or starting. */
  prewarm(agent: AgentSpec, env: Record<string, string>): void {
    const key = keyOf(agent, env);
    const spare = this.spares.get(key);
    if (spare) spare.hurry();
    else this.addSpare(key, agent, env, 0);
  }

  /** The pid of this agent's spare once it has answered `initialize`; undefined without one. */
  async sparePid(agent: AgentSpec, env: Record<string, string>): Promise<number | undefined> {
    const spare = this.spares.get(keyOf(agent, env));
    const ready = await spare?.launched.catch(() => undefined);
    return ready?.proc.child.pid;
  }

  /** Spares ready or starting. */
  get size(): number {
    return this.spares.size;
  }

  private async start(opts: StartOptions): Promise<AgentSession> {
    await assertWorkingDirectory(opts);
    const key = keyOf(opts.agent, opts.env);
    const spare = this.spares.get(key);
    let session: AgentSession;
    if (spare) {
      this.spares.delete(key);
      clearTimeout(spare.expiry);
      spare.hurry();
      // A spare that could not start fails the task as a cold start would have (trying again
      // would only double the wait for an agent that hangs in initialize).
      session = await this.openTaken(await spare.launched, opts);
    } else {
      session = await openSession(await launchAgent(launchOptions(opts)), opts);
    }
    // The next spare; it starts a little later, not to compete with this task's start.
    this.addSpare(key, opts.agent, opts.env, this.opts.spareDelayMs ?? 250);
    return session;
  }

  /** Opens the task's session on a taken spare; one that has died meanwhile is replaced by a fresh start. */
  private async openTaken(spare: LaunchedAgent, opts: StartOptions): Promise<AgentSession> {
    if (!spare.proc.failed) {
      try {
        return await openSession(spare, opts);
      } catch (error) {
        // Read again: the await above may have seen the process die.
        const failure = failureOf(spare);
        if (failure?.kind !== "exit" && failure?.kind !== "stdout_closed") throw error;
      }
    } else {
      this.stop(Promise.resolve(spare));
    }
    opts.hooks.log.warn("the warm agent had exited; starting it again", { agent: opts.agent.name });
    return openSession(await launchAgent(launchOptions(opts)), opts);
  }

  private addSpare(key: string, agent: AgentSpec, env: Record<string, string>, delayMs: number): void {
    if (this.closed || this.opts.idleMs <= 0 || agent.transport !== "acp" || this.spares.has(key)) return;
    // A sandbox's mounts are fixed when it starts, before the task's worktree exists: a sandboxed
    // spare could never see its task's worktree, so sandboxed agents start with their task.
    if (activeSandbox().status.on) return;
    const { log } = this.opts;
    let hurry = () => {};
    const delay = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, delayMs);
      hurry = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.dirReady ??= mkdir(this.opts.dir, { recursive: true, mode: 0o700 }).then(() => undefined);
    const dirReady = this.dirReady;
    const launched = delay.then(async () => {
      if (!spare.wanted) throw new NotWanted();
      await dirReady;
      return launchAgent({ agent, cwd: this.opts.dir, env, hooks: spareHooks(log), ...(this.opts.initializeMs !== undefined && { initializeMs: this.opts.initializeMs }) });
    });
    const expiry = setTimeout(() => {
      if (this.spares.get(key) !== spare) return;
      this.spares.delete(key);
      spare.wanted = false;
      spare.hurry();
      log.info("stopping an unused warm agent", { agent: agent.name, idleMs: this.opts.idleMs });
      this.stop(launched);
    }, this.opts.idleMs);
    expiry.unref();
    const spare: Spare = { launched, expiry, hurry: () => hurry(), wanted: true };
    this.spares.set(key, spare);
    launched.then(
      (ready) => {
        // A spare that dies while waiting is dropped at once.
        ready.proc.onFailure(() => {
          if (this.spares.get(key) !== spare) return;
          clearTimeout(expiry);
          this.spares.delete(key);
          log.warn("a warm agent exited before a task took it", { agent: agent.name, stderr: ready.proc.stderrTail.slice(-500) });
        });
      },
      (error: unknown) => {
        if (error instanceof NotWanted) return;
        clearTimeout(expiry);
        if (this.spares.get(key) === spare) this.spares.delete(key);
        log.warn("a warm agent failed to start", { agent: agent.name, error: error instanceof Error ? error.message : String(error) });
      },
    );
  }

  private stop(launched: Promise<LaunchedAgent>): void {
    const done: Promise<void> = launched
      .then(
        (ready) => ready.session.close(this.opts.graceMs).then(() => undefined),
        () => undefined, // never started: nothing runs
      )
      .catch((error: unknown) => this.opts.log.error("stopping a warm agent failed", { error: String(error) }))
      .finally(() => this.stopping.delete(done));
    this.stopping.add(done);
  }

  /** Stops every spare and starts no more; resolves once their processes are gone. */
  async close(): Promise<void> {
    this.closed = true;
    const spares = [...this.spares.values()];
    this.spares.clear();
    for (const spare of spares) {
      clearTimeout(spare.expiry);
      spare.wanted = false;
      spare.hurry(); // one still waiting to start now sees it is not wanted
      this.stop(spare.launched);
    }
    await Promise.all([...this.stopping]);
  }
}

class NotWanted extends Error {}

const failureOf = (launched: LaunchedAgent): Failure | undefined => launched.proc.failed;

function launchOptions(opts: StartOptions) {
  return {
    agent: opts.agent,
    cwd: opts.cwd,
    env: opts.env,
    hooks: opts.hooks,
    ...(opts.timeouts?.initializeMs !== undefined && { initializeMs: opts.timeouts.initializeMs }),
  };
}

/** Same agent, same command and the same environment (values included, hashed: never kept in clear). */
function keyOf(agent: AgentSpec, env: Record<string, string>): string {
  const sortedEnv = Object.entries(env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash("sha256").update(JSON.stringify([agent.id, agent.name, agent.transport, agent.command, agent.args, sortedEnv])).digest("hex");
}

/** Until a task takes it, a spare has no session: anything it sends is dropped. */
function spareHooks(log: Logger): SessionHooks {
  return {
    onEvent: () => {},
    requestPermission: async () => ({ outcome: "cancelled" }),
    log,
  };
}

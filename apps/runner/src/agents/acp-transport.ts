import { createHash } from "node:crypto";
import { mkdir, stat } from "node:fs/promises";
import path from "node:path";
import { launchAgent, openSession, type LaunchedAgent, type LaunchOptions, type SessionBinding } from "./acp-start";
import type { Failure } from "./agent-process";
import { activeSandbox } from "../sandbox";
import {
  AgentError,
  type AgentSession,
  type AgentSpec,
  type AgentTransport,
  type Logger,
  type PrewarmTarget,
  type SessionHooks,
  type StartOptions,
} from "./transport";

/**
 * The ACP transport (and, through native-transport.ts, the native one): the one path from a task's
 * StartOptions to an ACP agent process. `start` takes a warm agent or launches one (acp-start.ts),
 * then binds it to the task.
 *
 * Warm agents: one spawned and `initialize`d agent process per recently used agent, so that a task
 * only waits for `session/new` in its worktree (spawning Node and loading an agent's code takes
 * 100–300 ms; session/new a few).
 *
 * - A spare is started when a task takes the previous one (or starts its agent cold), and, through
 *   `prewarm`, as soon as a task is claimed, so the agent starts while the worktree is created.
 * - It lives `idleMs` after the last use of its agent (the same bound as an idle parked agent),
 *   then it is stopped; `close` (runner stop) stops every spare. Without `warm` (or with an idle
 *   time of 0) there are none and every start launches its agent.
 * - It is an ordinary agent process (`processes/spawn.ts`: own group, tagged, reaped after a crash)
 *   with exactly the environment a task's agent gets (`agentEnv`), keyed by a hash of agent and
 *   environment, so a changed agent configuration never hands out a stale process.
 * - Its working directory is an empty folder, and until a task takes it, its fs and terminal
 *   requests are confined to that folder and its updates and permission asks are dropped.
 * - In the OS sandbox a process's mounts are fixed when it starts, so a spare must start where its
 *   task will work: it is started only by `prewarm` for a claimed task, in that task's worktree
 *   folder (created empty when the worktree is not made yet; git adds the worktree into it), with
 *   the repository's git folders bound, and keyed by that folder too. No spare is kept for a next
 *   task, whose worktree is not known yet.
 */

export type WarmOptions = {
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

/**
 * The one mapping of StartOptions: what the process needs to start (`launch`, the same for a spare)
 * and what the task gives it when it takes it (`binding`). A field of StartOptions that is not
 * mapped here does not compile.
 */
export function splitStartOptions(opts: StartOptions): { launch: Omit<LaunchOptions, "cwd" | "hooks">; binding: SessionBinding } {
  const { agent, cwd, env, terminalEnv, hooks, resumeSessionId, mode, model, timeouts, ...unmapped } = opts;
  unmapped satisfies Record<string, never>;
  const { initializeMs, sessionMs, ...unmappedTimeouts } = timeouts ?? {};
  unmappedTimeouts satisfies Record<string, never>;
  return {
    launch: { agent, env, ...(initializeMs !== undefined && { initializeMs }) },
    binding: {
      agent,
      cwd,
      hooks,
      terminalEnv: terminalEnv ?? env,
      ...(resumeSessionId !== undefined && { resumeSessionId }),
      ...(mode !== undefined && { mode }),
      ...(model !== undefined && { model }),
      ...(sessionMs !== undefined && { sessionMs }),
    },
  };
}

/** `wanted` turns false when the spare expires or the transport closes before its process started. */
type Spare = { launched: Promise<LaunchedAgent>; expiry: NodeJS.Timeout; hurry(): void; wanted: boolean };

export class AcpTransport implements AgentTransport {
  private readonly spares = new Map<string, Spare>();
  private readonly stopping = new Set<Promise<void>>();
  private closed = false;
  private dirReady: Promise<void> | undefined;

  /** Without `warm`, no agent is started ahead of its task. */
  constructor(private readonly warm?: WarmOptions) {}

  async start(opts: StartOptions): Promise<AgentSession> {
    const { launch, binding } = splitStartOptions(opts);
    await assertWorkingDirectory(binding);
    const sandboxed = activeSandbox().status.on;
    const key = keyOf(launch.agent, launch.env, sandboxed ? binding.cwd : undefined);
    const cold = async () => openSession(await launchAgent({ ...launch, cwd: binding.cwd, hooks: binding.hooks }), binding);
    const spare = this.spares.get(key);
    let session: AgentSession;
    if (spare) {
      this.spares.delete(key);
      clearTimeout(spare.expiry);
      spare.hurry();
      // A spare that could not start fails the task as a cold start would have (trying again
      // would only double the wait for an agent that hangs in initialize).
      session = await this.openTaken(await spare.launched, binding, cold);
    } else {
      session = await cold();
    }
    // The next spare; it starts a little later, not to compete with this task's start.
    if (!sandboxed) this.addSpare(key, launch.agent, launch.env, this.warm?.spareDelayMs ?? 250);
    return session;
  }

  /** A task will start this agent soon: start a spare now unless one is ready or starting. */
  prewarm(agent: AgentSpec, env: Record<string, string>, task?: PrewarmTarget): void {
    const sandboxed = activeSandbox().status.on;
    if (sandboxed && !task) return;
    const key = keyOf(agent, env, sandboxed ? task?.worktree : undefined);
    const spare = this.spares.get(key);
    if (spare) spare.hurry();
    else this.addSpare(key, agent, env, 0, sandboxed ? task : undefined);
  }

  /** The pid of this agent's spare once it has answered `initialize`; undefined without one. */
  async sparePid(agent: AgentSpec, env: Record<string, string>, worktree?: string): Promise<number | undefined> {
    const spare = this.spares.get(keyOf(agent, env, worktree));
    const ready = await spare?.launched.catch(() => undefined);
    return ready?.proc.child.pid;
  }

  /** Spares ready or starting. */
  get size(): number {
    return this.spares.size;
  }

  /** Opens the task's session on a taken spare; one that has died meanwhile is replaced by a fresh start. */
  private async openTaken(spare: LaunchedAgent, binding: SessionBinding, cold: () => Promise<AgentSession>): Promise<AgentSession> {
    if (!spare.proc.failed) {
      try {
        return await openSession(spare, binding);
      } catch (error) {
        // Read again: the await above may have seen the process die.
        const failure = failureOf(spare);
        if (failure?.kind !== "exit" && failure?.kind !== "stdout_closed") throw error;
      }
    } else {
      this.stop(Promise.resolve(spare));
    }
    binding.hooks.log.warn("the warm agent had exited; starting it again", { agent: binding.agent.name });
    return cold();
  }

  /** `task`: a sandboxed spare, started in its task's worktree folder (see the class comment). */
  private addSpare(key: string, agent: AgentSpec, env: Record<string, string>, delayMs: number, task?: PrewarmTarget): void {
    const warm = this.warm;
    if (!warm || this.closed || warm.idleMs <= 0 || this.spares.has(key)) return;
    const { log } = warm;
    let hurry = () => {};
    const delay = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, delayMs);
      hurry = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.dirReady ??= mkdir(warm.dir, { recursive: true, mode: 0o700 }).then(() => undefined);
    const dirReady = this.dirReady;
    const launched = delay.then(async () => {
      if (!spare.wanted) throw new NotWanted();
      const where = task ? await taskFolder(task) : { cwd: warm.dir };
      if (!task) await dirReady;
      return launchAgent({ agent, env, hooks: spareHooks(log), ...where, ...(warm.initializeMs !== undefined && { initializeMs: warm.initializeMs }) });
    });
    const expiry = setTimeout(() => {
      if (this.spares.get(key) !== spare) return;
      this.spares.delete(key);
      spare.wanted = false;
      spare.hurry();
      log.info("stopping an unused warm agent", { agent: agent.name, idleMs: warm.idleMs });
      this.stop(launched);
    }, warm.idleMs);
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
    const warm = this.warm;
    if (!warm) return; // only spares are stopped here, and there are none without `warm`
    const done: Promise<void> = launched
      .then(
        (ready) => ready.session.close(warm.graceMs).then(() => undefined),
        () => undefined, // never started: nothing runs
      )
      .catch((error: unknown) => warm.log.error("stopping a warm agent failed", { error: String(error) }))
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

async function assertWorkingDirectory(binding: SessionBinding): Promise<void> {
  const cwdOk = await stat(binding.cwd).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!cwdOk) {
    throw new AgentError({ agentName: binding.agent.name, stage: "spawn", what: `cannot start: its working directory ${binding.cwd} does not exist` });
  }
}

/**
 * Same agent, same command and the same environment (values included, hashed: never kept in clear);
 * in the OS sandbox also the same worktree folder.
 */
function keyOf(agent: AgentSpec, env: Record<string, string>, worktree?: string): string {
  const sortedEnv = Object.entries(env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const where = worktree === undefined ? null : path.resolve(worktree);
  return createHash("sha256").update(JSON.stringify([agent.id, agent.name, agent.transport, agent.command, agent.args, sortedEnv, where])).digest("hex");
}

/**
 * The working directory of a sandboxed spare: its task's worktree folder, made empty now when the
 * worktree is not there yet (git adds a worktree into an existing empty folder), with the
 * repository named so the sandbox binds its git folders ahead; `.git/worktrees` is made too, as it
 * is bound whole (the new worktree's admin folder will appear in it).
 */
async function taskFolder(task: PrewarmTarget): Promise<{ cwd: string; repository?: string }> {
  const made = await stat(path.join(task.worktree, ".git")).then(
    () => true,
    () => false,
  );
  if (made) return { cwd: task.worktree };
  await mkdir(task.worktree, { recursive: true, mode: 0o700 });
  const gitDir = path.join(task.repository, ".git");
  const isDir = await stat(gitDir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (isDir) await mkdir(path.join(gitDir, "worktrees"), { recursive: true });
  return { cwd: task.worktree, repository: task.repository };
}

/** Until a task takes it, a spare has no session: anything it sends is dropped. */
function spareHooks(log: Logger): SessionHooks {
  return {
    onEvent: () => {},
    requestPermission: async () => ({ outcome: "cancelled" }),
    log,
  };
}

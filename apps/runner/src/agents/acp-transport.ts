import { createHash } from "node:crypto";
import { mkdir, realpath, rmdir, stat } from "node:fs/promises";
import path from "node:path";
import { StartGate, type StartTicket } from "./start-gate";
import { launchAgent, openSession, type LaunchedAgent, type LaunchOptions, type SessionBinding } from "./acp-start";
import type { Failure } from "./agent-process";
import { activeSandbox, type Sandbox } from "../sandbox";
import { newTag } from "../processes/spawn";
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
 *   then it is stopped, unless its slot was handed to a task (that task takes it, or
 *   `releaseFolder` stops it); `close` (runner stop) stops every spare. Without `warm` (or with an idle
 *   time of 0) there are none and every start launches its agent.
 * - It is an ordinary agent process (`processes/spawn.ts`: own group, tagged, reaped after a crash)
 *   with exactly the environment a task's agent gets (`agentEnv`), keyed by a hash of agent and
 *   environment, so a changed agent configuration never hands out a stale process.
 * - Its working directory is an empty folder, and until a task takes it, its fs and terminal
 *   requests are confined to that folder and its updates and permission asks are dropped.
 * - In the OS sandbox a process's mounts are fixed when it starts, so a spare must start where its
 *   task will work. For a new worktree that is a slot: an empty folder in the worktrees folder
 *   (`slot-<owner tag>`), with the repository's git folders bound. A spare waits in a slot per agent,
 *   environment and repository; `worktreeFolder` hands its slot to the next task, whose worktree
 *   is then made in it (git adds a worktree into an existing empty folder), and `start` in that
 *   folder takes the spare. A slot is used by one task only; after a task took one, the next spare
 *   starts in a new slot. A follow-up's spare starts in its kept worktree (`prewarm`). Spares are
 *   keyed by their folder too.
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
  /** Where worktrees are made: in the OS sandbox, spares wait in empty slot folders here. Without it, sandboxed spares start only at `prewarm`. */
  worktreesDir?: string;
};

/**
 * The one mapping of StartOptions: what the process needs to start (`launch`, the same for a spare)
 * and what the task gives it when it takes it (`binding`). A field of StartOptions that is not
 * mapped here does not compile.
 */
export function splitStartOptions(opts: StartOptions): { launch: Omit<LaunchOptions, "cwd" | "hooks">; binding: SessionBinding } {
  const { agent, cwd, env, terminalEnv, hooks, resumeSessionId, mcpServers, mode, model, timeouts, ...unmapped } = opts;
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
      mcpServers: mcpServers ?? [],
      ...(mode !== undefined && { mode }),
      ...(model !== undefined && { model }),
      ...(sessionMs !== undefined && { sessionMs }),
    },
  };
}

/**
 * `wanted` turns false when the spare expires or the transport closes before its process started.
 * `slot`: it waits in a slot folder (sandboxed), free for the next task of its pool (agent,
 * environment, repository) until `worktreeFolder` hands it out.
 */
type Spare = { launched: Promise<LaunchedAgent>; expiry: NodeJS.Timeout; hurry(): void; wanted: boolean; folder?: string; slot?: { pool: string; repository: string } };

export class AcpTransport implements AgentTransport {
  private readonly spares = new Map<string, Spare>();
  private readonly stopping = new Set<Promise<void>>();
  /** Pool key → the slot folder of its free spare. */
  private readonly freeSlots = new Map<string, string>();
  /** Slot folders handed to a task and not started in yet → their pool, for the next spare. */
  private readonly handedOut = new Map<string, { pool: string; repository: string }>();
  /** Pools whose next slot is being made (its folder; the spare's process starts after a delay). */
  private readonly slotting = new Map<string, Promise<void>>();
  /** Agent starts at once (see start-gate.ts): a task's start goes before spares. */
  private readonly starts = new StartGate();
  private closed = false;
  private dirReady: Promise<void> | undefined;
  private slotsDir: Promise<string> | undefined;

  /**
   * Without `warm`, no agent is started ahead of its task. `sandbox`: what its agents and their
   * terminals run in (the process's decision, `activeSandbox()`, when not given).
   */
  constructor(
    private readonly warm?: WarmOptions,
    private readonly sandbox: Sandbox = activeSandbox(),
  ) {}

  async start(opts: StartOptions): Promise<AgentSession> {
    const { launch, binding } = splitStartOptions(opts);
    await assertWorkingDirectory(binding);
    const sandboxed = this.sandbox.status.on;
    const key = keyOf(launch.agent, launch.env, sandboxed ? binding.cwd : undefined);
    const cold = async () => {
      const leave = await this.starts.enter();
      let launched: LaunchedAgent;
      try {
        launched = await launchAgent({ ...launch, cwd: binding.cwd, hooks: binding.hooks, sandbox: this.sandbox });
      } finally {
        leave();
      }
      return openSession(launched, binding);
    };
    const slot = this.handedOut.get(path.resolve(binding.cwd));
    this.handedOut.delete(path.resolve(binding.cwd));
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
    const delayMs = this.warm?.spareDelayMs ?? 250;
    if (!sandboxed) this.addSpare(key, launch.agent, launch.env, delayMs);
    else if (slot && !this.freeSlots.has(slot.pool) && !this.slotting.has(slot.pool)) {
      // Not awaited: the task's prompt goes first. A task claimed meanwhile waits for this slot.
      const { pool, repository } = slot;
      const making = this.addSlotSpare(pool, launch.agent, launch.env, repository, delayMs)
        .then(() => undefined)
        .catch((error: unknown) => this.warm?.log.warn("a warm agent's slot could not be made", { agent: launch.agent.name, error: String(error) }))
        .finally(() => this.slotting.delete(pool));
      this.slotting.set(pool, making);
    }
    return session;
  }

  /**
   * In the OS sandbox: the slot folder of this pool's free spare (hurried if still waiting to
   * start), or a new slot with a spare starting now. Undefined unsandboxed or without slots.
   */
  async worktreeFolder(agent: AgentSpec, env: Record<string, string>, repository: string): Promise<string | undefined> {
    if (!this.sandbox.status.on || !this.warm?.worktreesDir || this.warm.idleMs <= 0 || this.closed) return undefined;
    const pool = poolOf(agent, env, repository);
    await this.slotting.get(pool);
    let folder = this.freeSlots.get(pool);
    if (folder !== undefined) {
      this.freeSlots.delete(pool);
      const spare = this.spares.get(keyOf(agent, env, folder));
      if (spare) {
        spare.slot = undefined;
        spare.hurry();
      }
    } else {
      folder = await this.addSlotSpare(pool, agent, env, repository, 0, false);
    }
    if (folder === undefined) return undefined;
    // Its task takes it however long the worktree and the setup take (or `releaseFolder` stops it):
    // an expiry meanwhile would start the task's agent cold beside a spare started for nothing.
    const handed = this.spares.get(keyOf(agent, env, folder));
    if (handed) clearTimeout(handed.expiry);
    this.handedOut.set(folder, { pool, repository });
    return folder;
  }

  /** Stops the spare waiting in `folder` (a slot a task did not make its worktree in) and removes the folder if it is still empty. */
  async releaseFolder(folder: string): Promise<void> {
    const resolved = path.resolve(folder);
    this.handedOut.delete(resolved);
    let stopping = false;
    for (const [key, spare] of this.spares) {
      if (spare.folder !== resolved) continue;
      this.spares.delete(key);
      clearTimeout(spare.expiry);
      spare.wanted = false;
      spare.hurry();
      this.stop(spare.launched, resolved); // the folder goes once the agent in it is gone
      stopping = true;
    }
    if (!stopping) await removeIfEmpty(resolved, this.warm?.log);
  }

  /** A task will start this agent soon: start a spare now unless one is ready or starting. */
  prewarm(agent: AgentSpec, env: Record<string, string>, task?: PrewarmTarget): void {
    const sandboxed = this.sandbox.status.on;
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

  /**
   * A new slot folder with a spare waiting in it for the pool's next task (free unless `free` is
   * false: it is being handed out at once). Undefined when no spare can be kept.
   */
  private async addSlotSpare(pool: string, agent: AgentSpec, env: Record<string, string>, repository: string, delayMs: number, free = true): Promise<string | undefined> {
    const warm = this.warm;
    if (!warm?.worktreesDir || warm.idleMs <= 0 || this.closed) return undefined;
    const worktreesDir = warm.worktreesDir;
    // Worktree paths are real paths (createWorktree): so are slots.
    this.slotsDir ??= mkdir(worktreesDir, { recursive: true }).then(() => realpath(worktreesDir));
    // Named with an owner tag: a later runner's reconcile leaves it alone while this runner lives.
    const folder = path.join(await this.slotsDir, `slot-${newTag()}`);
    await taskFolder({ worktree: folder, repository });
    if (this.closed) {
      await removeIfEmpty(folder, warm.log);
      return undefined;
    }
    const key = keyOf(agent, env, folder);
    this.addSpare(key, agent, env, delayMs, { worktree: folder, repository });
    const spare = this.spares.get(key);
    if (spare && free) {
      spare.slot = { pool, repository };
      this.freeSlots.set(pool, folder);
    }
    return folder;
  }

  /** A spare that will not be used: stopped; a free slot's folder is removed with it. */
  private dropSpare(spare: Spare): void {
    clearTimeout(spare.expiry);
    spare.wanted = false;
    spare.hurry();
    const slot = spare.slot;
    if (slot && spare.folder !== undefined && this.freeSlots.get(slot.pool) === spare.folder) this.freeSlots.delete(slot.pool);
    const folder = slot ? spare.folder : undefined;
    this.stop(spare.launched, folder);
  }

  /** `task`: a sandboxed spare, started in its task's worktree folder (see the class comment). */
  private addSpare(key: string, agent: AgentSpec, env: Record<string, string>, delayMs: number, task?: PrewarmTarget): void {
    const warm = this.warm;
    if (!warm || this.closed || warm.idleMs <= 0 || this.spares.has(key)) return;
    const { log } = warm;
    // Hurried (a task takes this spare): the delay ends and its start goes before other spares'.
    const ticket: StartTicket = { urgent: false };
    let hurry = () => {};
    const delay = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, delayMs);
      hurry = () => {
        clearTimeout(timer);
        ticket.urgent = true;
        resolve();
      };
    });
    this.dirReady ??= mkdir(warm.dir, { recursive: true, mode: 0o700 }).then(() => undefined);
    const dirReady = this.dirReady;
    const launched = delay.then(async () => {
      if (!spare.wanted) throw new NotWanted();
      const where = task ? await taskFolder(task) : { cwd: warm.dir };
      if (!task) await dirReady;
      const leave = await this.starts.enter(ticket);
      try {
        if (!spare.wanted) throw new NotWanted();
        return await launchAgent({
          agent,
          env,
          hooks: spareHooks(log),
          sandbox: this.sandbox,
          ...where,
          ...(warm.initializeMs !== undefined && { initializeMs: warm.initializeMs }),
        });
      } finally {
        leave();
      }
    });
    const expiry = setTimeout(() => {
      if (this.spares.get(key) !== spare) return;
      this.spares.delete(key);
      log.info("stopping an unused warm agent", { agent: agent.name, idleMs: warm.idleMs });
      this.dropSpare(spare);
    }, warm.idleMs);
    expiry.unref();
    const spare: Spare = { launched, expiry, hurry: () => hurry(), wanted: true, ...(task && { folder: path.resolve(task.worktree) }) };
    this.spares.set(key, spare);
    launched.then(
      (ready) => {
        // A spare that dies while waiting is dropped at once.
        ready.proc.onFailure(() => {
          if (this.spares.get(key) !== spare) return;
          clearTimeout(expiry);
          this.spares.delete(key);
          if (spare.slot && this.freeSlots.get(spare.slot.pool) === spare.folder) this.freeSlots.delete(spare.slot.pool);
          log.warn("a warm agent exited before a task took it", { agent: agent.name, stderr: ready.proc.stderrTail.slice(-500) });
        });
      },
      (error: unknown) => {
        if (error instanceof NotWanted) return;
        clearTimeout(expiry);
        if (this.spares.get(key) === spare) this.spares.delete(key);
        if (spare.slot && this.freeSlots.get(spare.slot.pool) === spare.folder) this.freeSlots.delete(spare.slot.pool);
        log.warn("a warm agent failed to start", { agent: agent.name, error: error instanceof Error ? error.message : String(error) });
      },
    );
  }

  /** Stops a spare; `folder`: its free slot, removed once the process is gone (if still empty). */
  private stop(launched: Promise<LaunchedAgent>, folder?: string): void {
    const warm = this.warm;
    if (!warm) return; // only spares are stopped here, and there are none without `warm`
    const done: Promise<void> = launched
      .then(
        (ready) => ready.session.close(warm.graceMs).then(() => undefined),
        () => undefined, // never started: nothing runs
      )
      .then(() => (folder === undefined ? undefined : removeIfEmpty(folder, warm.log)))
      .catch((error: unknown) => warm.log.error("stopping a warm agent failed", { error: String(error) }))
      .finally(() => this.stopping.delete(done));
    this.stopping.add(done);
  }

  /** Stops every spare and starts no more; resolves once their processes are gone. */
  async close(): Promise<void> {
    this.closed = true;
    // A slot being made sees `closed` and removes its folder.
    await Promise.all(this.slotting.values());
    const spares = [...this.spares.values()];
    this.spares.clear();
    // One still waiting to start now sees it is not wanted.
    for (const spare of spares) this.dropSpare(spare);
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

/** A pool of sandboxed spares: same agent and environment, worktrees of the same repository. */
function poolOf(agent: AgentSpec, env: Record<string, string>, repository: string): string {
  return `pool:${keyOf(agent, env, repository)}`;
}

/**
 * Removes a folder only if it is empty (rmdir: an empty folder is not a worktree and holds no
 * work; anything with content stays). Gone already is fine.
 */
export async function removeIfEmpty(folder: string, log?: Logger): Promise<void> {
  try {
    await rmdir(folder);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return;
    if (code === "ENOTEMPTY" || code === "EEXIST") log?.info("kept a folder that is not empty", { folder });
    else log?.warn("removing an empty folder failed", { folder, error: String(error) });
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

import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { randomUUID } from "node:crypto";
import { constants as osConstants } from "node:os";
import { spawn as spawnPty, type IPty } from "@lydell/node-pty";
import { checkCommand } from "@wharf/common";
import { activeSandbox, type Sandbox } from "../sandbox";
import { CommandNotRunnableError } from "./command";
import { processTagVar, readStartTime, startTimeOf } from "./proc-scan";

/**
 * The one place in the runner that starts processes for agents and their terminals, through pipes
 * or in a pseudo-terminal.
 *
 * Every process gets its own process group (and session): `detached: true`, or forkpty for a
 * pseudo-terminal. A process that calls `setsid` itself escapes that group, so each spawn is also
 * tagged with a unique value in the environment (`processTagVar`); terminate.ts finds a group's
 * members through the group, the session, the parent chain and that tag.
 */

/**
 * `root`: the folder the process may write in (the task's worktree; defaults to `cwd`). Every
 * process runs in the OS sandbox when it is on (`sandbox/`), confined to its root; `network: false`
 * leaves it loopback only.
 */
export type SpawnOptions = {
  cwd: string;
  env: Record<string, string>;
  root?: string | undefined;
  network?: boolean | undefined;
  /** A root that will become a worktree of this repository once the process runs (see bwrap-args.ts). */
  repository?: string | undefined;
  /** More folders the process may write in, besides its root (they must exist). */
  writable?: readonly string[] | undefined;
  /** The sandbox to run in; the runner's (`activeSandbox()`) when not given. */
  sandbox?: Sandbox | undefined;
};

/**
 * The command line to spawn. In the sandbox the command is resolved and checked first (it exists
 * and is executable; `CommandNotRunnableError` otherwise), so a missing command is reported by its
 * name as without the sandbox, and bwrap runs the path that was checked.
 */
function launchOf(cmd: string, args: readonly string[], opts: SpawnOptions) {
  const sandbox = opts.sandbox ?? activeSandbox();
  let command = cmd;
  if (sandbox.status.on) {
    const checked = checkCommand(cmd, opts.env.PATH, opts.cwd);
    if (!checked.ok) throw new CommandNotRunnableError(cmd, checked.code);
    command = checked.path;
  }
  return sandbox.wrap(command, args, { root: opts.root ?? opts.cwd, cwd: opts.cwd, env: opts.env, network: opts.network, repository: opts.repository, writable: opts.writable });
}

export type GroupChild = ChildProcessWithoutNullStreams;

/** What terminateGroup needs of a process spawned here: a pipe child or a pseudo-terminal child. */
export type GroupLeader = {
  readonly pid?: number | undefined;
  readonly exitCode: number | null;
  readonly signalCode: string | null;
  once(event: "exit", listener: () => void): unknown;
};

/**
 * Tags are `<owner pid>.<owner start time>.<uuid>`: the owner is this process, identified so a
 * later runner can tell that the owner is gone (pid dead, or reused by a process that started at
 * another time) and reap what it left behind (see reapOrphans).
 */
const ownerPrefix = `${process.pid}.${startTimeOf(process.pid) ?? "0"}`;

/** The process that spawned a tagged process, as its tag names it; null for a malformed tag. */
export function tagOwner(tag: string): { pid: number; start: string | undefined } | null {
  const [ownerPid, ownerStart] = tag.split(".");
  const pid = Number(ownerPid);
  if (!Number.isInteger(pid) || pid <= 0) return null;
  return { pid, start: ownerStart };
}

/** `sandboxed`: the spawned process is bwrap, with the command two levels below it (see terminate.ts). */
type Spawned = { tag: string; start: Promise<number | undefined>; sandboxed: boolean };
const spawned = new WeakMap<GroupLeader, Spawned>();

/**
 * The tag a process was spawned with, and its start time, read off the event loop while it runs:
 * terminateGroup reads the environment (for the tag) only of processes that started no earlier.
 */
export function spawnRecord(child: GroupLeader): Spawned | undefined {
  return spawned.get(child);
}

/** A new tag owned by this process; also names what else a later runner must leave alone while its owner lives (a warm agent's slot folder). */
export function newTag(): string {
  return `${ownerPrefix}.${randomUUID()}`;
}

/** False only when the tag's owner is known to be gone (see tagOwner); a malformed tag is left alone. */
export function ownerMayBeAlive(tag: string): boolean {
  const owner = tagOwner(tag);
  if (!owner) return true;
  return owner.pid === process.pid || startTimeOf(owner.pid) === owner.start;
}

/** Throws `CommandNotRunnableError` when the sandbox is on and `cmd` cannot start (see launchOf). */
export function spawnInGroup(cmd: string, args: readonly string[], opts: SpawnOptions): GroupChild {
  const tag = newTag();
  const launch = launchOf(cmd, args, opts);
  const child = spawn(launch.command, launch.args, {
    cwd: opts.cwd,
    env: { ...opts.env, [processTagVar]: tag },
    detached: true,
    stdio: ["pipe", "pipe", "pipe"],
  });
  spawned.set(child, { tag, start: child.pid === undefined ? Promise.resolve(undefined) : readStartTime(child.pid), sandboxed: launch.sandboxed });
  return child;
}

/**
 * A process in a pseudo-terminal (node-pty). forkpty makes it a session leader, so its process
 * group and session are its own, like `detached: true`; it is tagged the same way.
 */
export class PtyChild implements GroupLeader {
  exitCode: number | null = null;
  signalCode: string | null = null;
  private readonly exitListeners = new Set<() => void>();

  constructor(readonly pty: IPty) {
    pty.onExit(({ exitCode, signal }) => {
      // node-pty reports signal 0 for a normal exit.
      if (signal) this.signalCode = signalName(signal);
      else this.exitCode = exitCode;
      for (const listener of this.exitListeners) listener();
      this.exitListeners.clear();
    });
  }

  get pid(): number {
    return this.pty.pid;
  }

  once(_event: "exit", listener: () => void): this {
    if (this.exitCode !== null || this.signalCode !== null) listener();
    else this.exitListeners.add(listener);
    return this;
  }
}

function signalName(signal: number): string {
  const found = Object.entries(osConstants.signals).find(([, n]) => n === signal);
  return found ? found[0] : `signal ${signal}`;
}

export function spawnPtyInGroup(cmd: string, args: readonly string[], opts: SpawnOptions & { cols: number; rows: number }): PtyChild {
  const tag = newTag();
  const launch = launchOf(cmd, args, opts);
  const pty = spawnPty(launch.command, launch.args, {
    name: opts.env.TERM ?? "xterm-256color",
    cols: opts.cols,
    rows: opts.rows,
    cwd: opts.cwd,
    env: { ...opts.env, [processTagVar]: tag },
  });
  const child = new PtyChild(pty);
  spawned.set(child, { tag, start: readStartTime(pty.pid), sandboxed: launch.sandboxed });
  return child;
}

import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { constants as osConstants } from "node:os";
import { readdir, readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { spawn as spawnPty, type IPty } from "@lydell/node-pty";
import { activeSandbox } from "./sandbox";

/**
 * The one place that starts processes for agents and their terminals.
 *
 * Every process gets its own process group (and session): `detached: true`. A process that calls
 * `setsid` itself escapes that group, so each spawn is also tagged with a unique value in the
 * environment variable below; at kill time the runner walks /proc and also kills every process
 * that descends from the leader (ppid), shares its session, or carries its tag.
 */
export const processTagVar = "WHARF_PROCESS_TAG";

/**
 * `root`: the folder the process may write in (the task's worktree; defaults to `cwd`); every
 * process runs in the OS sandbox when it is on (`sandbox/`), confined to it. `network: false`
 * leaves it loopback only.
 */
export type SpawnOptions = { cwd: string; env: Record<string, string>; root?: string | undefined; network?: boolean | undefined };

function launchOf(cmd: string, args: readonly string[], opts: SpawnOptions) {
  return activeSandbox().wrap(cmd, args, { root: opts.root ?? opts.cwd, cwd: opts.cwd, env: opts.env, network: opts.network });
}

export type GroupChild = ChildProcessWithoutNullStreams;

/** What terminateGroup needs of a process it started: a pipe child or a pseudo-terminal child. */
export type GroupLeader = {
  readonly pid?: number | undefined;
  readonly exitCode: number | null;
  readonly signalCode: string | null;
  once(event: "exit", listener: () => void): unknown;
};

const tags = new WeakMap<GroupLeader, string>();

/**
 * Tags are `<owner pid>.<owner start time>.<uuid>`: the owner is this process, identified so a
 * later runner can tell that the owner is gone (pid dead, or reused by a process that started at
 * another time) and reap what it left behind (see reapOrphans).
 */
const ownerPrefix = `${process.pid}.${startTimeOf(process.pid) ?? "0"}`;

function startTimeOf(pid: number): string | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "latin1");
    // Field 22 (starttime), counted after the ")" that ends the command name.
    return text.slice(text.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

export function spawnInGroup(cmd: string, args: readonly string[], opts: SpawnOptions): GroupChild {
  const tag = `${ownerPrefix}.${randomUUID()}`;
  const launch = launchOf(cmd, args, opts);
  const child = spawn(launch.command, launch.args, {
    cwd: opts.cwd,
    env: { ...opts.env, [processTagVar]: tag },
    detached: true,
    stdio: ["pipe", "pipe", "pipe"],
  });
  tags.set(child, tag);
  if (child.pid !== undefined) recordStart(child, child.pid);
  return child;
}

const starts = new WeakMap<GroupLeader, Promise<number | undefined>>();

/**
 * Its start time, read off the event loop while it runs: terminateGroup reads the environment
 * (for the tag) only of processes that started no earlier.
 */
function recordStart(child: GroupLeader, pid: number): void {
  starts.set(
    child,
    readFile(`/proc/${pid}/stat`, "latin1").then(
      (text) => Number(text.slice(text.lastIndexOf(")") + 2).split(" ")[19]),
      () => undefined,
    ),
  );
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
  const tag = `${ownerPrefix}.${randomUUID()}`;
  const launch = launchOf(cmd, args, opts);
  const pty = spawnPty(launch.command, launch.args, {
    name: opts.env.TERM ?? "xterm-256color",
    cols: opts.cols,
    rows: opts.rows,
    cwd: opts.cwd,
    env: { ...opts.env, [processTagVar]: tag },
  });
  const child = new PtyChild(pty);
  tags.set(child, tag);
  recordStart(child, pty.pid);
  return child;
}

/** Sends `signal` to every process of the group led by `pgid`. False when the group is gone. */
export function killGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if (isErrno(error, "ESRCH")) return false;
    if (isErrno(error, "EPERM")) return true; // exists, but (partly) not ours to signal
    throw error;
  }
}

function killPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (error) {
    // ESRCH: already gone. EPERM: a set-uid program; the survivor check reports it.
    if (!isErrno(error, "ESRCH") && !isErrno(error, "EPERM")) throw error;
  }
}

export type ProcStat = { pid: number; ppid: number; pgid: number; sid: number; state: string };

/** Parses /proc/<pid>/stat; the command name may contain spaces and parentheses. */
export function parseProcStat(text: string): ProcStat | null {
  const close = text.lastIndexOf(")");
  if (close < 0) return null;
  const pid = Number.parseInt(text.slice(0, text.indexOf(" ")), 10);
  const rest = text.slice(close + 2).split(" ");
  const [state, ppid, pgid, sid] = [rest[0], Number(rest[1]), Number(rest[2]), Number(rest[3])];
  if (!state || !Number.isInteger(pid) || !Number.isInteger(ppid)) return null;
  return { pid, ppid, pgid, sid, state };
}

type TimedStat = ProcStat & { start: number };

/** Every process on the machine, read without blocking the event loop, with its start time (clock ticks after boot). */
async function readProcesses(): Promise<TimedStat[]> {
  const names = (await readdir("/proc")).filter((name) => /^\d+$/.test(name));
  const stats = await Promise.all(
    names.map(async (name): Promise<TimedStat | null> => {
      try {
        const text = await readFile(`/proc/${name}/stat`, "latin1");
        const stat = parseProcStat(text);
        if (!stat) return null;
        return { ...stat, start: Number(text.slice(text.lastIndexOf(")") + 2).split(" ")[19]) };
      } catch (error) {
        if (!isErrno(error, "ENOENT") && !isErrno(error, "ESRCH")) throw error;
        return null; // exited between readdir and read
      }
    }),
  );
  return stats.filter((s): s is TimedStat => s !== null);
}

async function hasTag(pid: number, tag: string): Promise<boolean> {
  try {
    return (await readFile(`/proc/${pid}/environ`, "latin1")).split("\0").includes(`${processTagVar}=${tag}`);
  } catch {
    return false; // gone, or another user's process
  }
}

/**
 * Every process that belongs to the group led by `leader`: same process group, same session, a
 * descendant of any of those (by ppid), or carrying the spawn tag. Zombies (state Z) are listed
 * too: they no longer run, but `kill(-pgid, 0)` still sees them until their parent reaps them.
 *
 * Once the leader has been reaped (`leaderReaped`) its pid may be reused, even as another group's
 * or session's id. A pid is never reused while a group or session of that id exists, so: if no
 * process has the leader's pid, processes in its group or session are still ours; if one does,
 * the pid was reused and only tagged processes (and their descendants) count.
 *
 * Read without blocking the event loop; the environment (for the tag) is read only of processes
 * that started no earlier than the leader (`leaderStart`, read at spawn), since every tagged
 * process descends from the spawn.
 */
export async function groupMembers(leader: number, tag?: string, leaderReaped = false, leaderStart?: number): Promise<ProcStat[]> {
  const procs = (await readProcesses()).filter((p) => p.pid !== process.pid);
  const byId = !leaderReaped || !procs.some((p) => p.pid === leader);
  const members = new Map<number, ProcStat>();
  const maybeTagged: TimedStat[] = [];
  for (const p of procs) {
    const sameGroup = byId && (p.pid === leader || p.pgid === leader || p.sid === leader);
    if (sameGroup) members.set(p.pid, p);
    else if (tag && (leaderStart === undefined || !(p.start < leaderStart))) maybeTagged.push(p);
  }
  if (tag) {
    const tagged = await Promise.all(maybeTagged.map((p) => hasTag(p.pid, tag)));
    maybeTagged.forEach((p, i) => tagged[i] && members.set(p.pid, p));
  }
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of procs) {
      if (!members.has(p.pid) && members.has(p.ppid)) {
        members.set(p.pid, p);
        grew = true;
      }
    }
  }
  return [...members.values()].map(({ pid, ppid, pgid, sid, state }) => ({ pid, ppid, pgid, sid, state }));
}

const running = (members: ProcStat[]) => members.filter((m) => m.state !== "Z");

/** What terminateGroup works on: the leader's pid stays ours only until Node reaps it. */
type Scope = { leader: number; tag: string | undefined; child: GroupLeader; leaderStart?: number };

const reaped = (child: GroupLeader) => child.exitCode !== null || child.signalCode !== null;
const membersOf = (scope: Scope) => groupMembers(scope.leader, scope.tag, reaped(scope.child), scope.leaderStart);

function signalAll(scope: Scope, members: ProcStat[], signal: NodeJS.Signals): void {
  const { leader } = scope;
  // The group id cannot be reused while one of its members lives, so a member proves it is ours.
  if (!reaped(scope.child) || members.some((m) => m.pgid === leader)) killGroup(leader, signal);
  for (const m of running(members)) {
    if (m.pgid !== leader && m.pgid === m.pid) killGroup(m.pgid, signal);
    killPid(m.pid, signal);
  }
}

export class ProcessGroupError extends Error {
  constructor(
    readonly pgid: number,
    readonly survivors: number[],
  ) {
    super(`Processes ${survivors.join(", ")} of process group ${pgid} survived SIGKILL`);
    this.name = "ProcessGroupError";
  }
}

/**
 * Confirms, with a short bounded back-off, that no member runs any more (or, with `zombies`, that
 * none is even listed, so that `kill(-pgid, 0)` answers ESRCH). Returns the members still running
 * at the deadline.
 */
async function settle(scope: Scope, budgetMs: number, zombies = false): Promise<ProcStat[]> {
  const deadline = Date.now() + budgetMs;
  const pending = async () => (zombies ? membersOf(scope) : running(await membersOf(scope)));
  let delay = 5;
  let members = await pending();
  while (members.length > 0 && Date.now() < deadline) {
    await sleep(Math.min(delay, Math.max(1, deadline - Date.now())));
    delay = Math.min(delay * 2, 200);
    members = await pending();
  }
  return running(members);
}

function exitOf(child: GroupLeader): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/**
 * SIGTERM to the group and every tracked descendant, SIGKILL to whatever is left after
 * `graceMs`, and resolve once none of them runs any more and the child itself has been reaped.
 * Throws ProcessGroupError if a process survives SIGKILL (uninterruptible sleep).
 */
export async function terminateGroup(child: GroupLeader, graceMs: number): Promise<void> {
  const leader = child.pid;
  if (leader === undefined) return; // never started
  // The group first, at once (as the process list is read asynchronously): an agent told to stop
  // should not get to run on meanwhile.
  if (!reaped(child)) killGroup(leader, "SIGTERM");
  const leaderStart = await starts.get(child);
  const scope: Scope = { leader, tag: tags.get(child), child, ...(leaderStart !== undefined && !Number.isNaN(leaderStart) && { leaderStart }) };
  const members = running(await membersOf(scope));
  if (members.length > 0) {
    signalAll(scope, members, "SIGTERM");
    // A child that called setsid between the scan and the signal escaped both: look once more.
    const stragglers = running(await membersOf(scope)).filter((m) => !members.some((x) => x.pid === m.pid));
    if (stragglers.length > 0) signalAll(scope, stragglers, "SIGTERM");
    // Give the leader the grace period to exit; then check the rest with a short back-off.
    const graceEnds = sleep(graceMs);
    await Promise.race([exitOf(child), graceEnds]);
    let left = await settle(scope, Math.min(graceMs, 250));
    if (left.length > 0) {
      await graceEnds;
      left = running(await membersOf(scope));
    }
    if (left.length > 0) {
      signalAll(scope, left, "SIGKILL");
      const survivors = await settle(scope, 5000);
      if (survivors.length > 0) {
        throw new ProcessGroupError(
          leader,
          survivors.map((s) => s.pid),
        );
      }
    }
  }
  await exitOf(child);
  // Dead members may linger as zombies until init reaps them (on some hosts only every second or
  // so); they run nothing, so give that a moment but do not wait for it.
  await settle(scope, 100, true);
}

export function isErrno(error: unknown, code: string): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === code;
}

/**
 * Kills every tagged process whose owning runner is gone (killed with -9, crashed): agents and
 * terminals cannot outlive the runner that started them by more than the next runner start.
 * Returns the pids it killed.
 */
export function reapOrphans(): number[] {
  const killed: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return killed;
  }
  for (const entry of entries) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    let environ: string;
    try {
      environ = readFileSync(`/proc/${pid}/environ`, "latin1");
    } catch {
      continue; // gone, or not ours to read
    }
    const tagEntry = environ.split("\0").find((v) => v.startsWith(`${processTagVar}=`));
    if (!tagEntry) continue;
    const [ownerPid, ownerStart] = tagEntry.slice(processTagVar.length + 1).split(".");
    const owner = Number(ownerPid);
    if (!Number.isInteger(owner) || owner <= 0) continue;
    if (owner === process.pid) continue;
    if (startTimeOf(owner) === ownerStart) continue; // owner still alive
    killPid(pid, "SIGKILL");
    killed.push(pid);
  }
  return killed;
}

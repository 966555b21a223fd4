import { setTimeout as sleep } from "node:timers/promises";
import { isErrno } from "./errno";
import { groupMembers, taggedProcesses, type ProcStat } from "./proc-scan";
import { ownerMayBeAlive, spawnRecord, type GroupLeader } from "./spawn";

/**
 * Stopping what spawn.ts started: a process group with every process that left it (terminateGroup),
 * and, at runner start, whatever a dead runner left behind (reapOrphans).
 */

/** Sends `signal` to every process of the group led by `pgid`. False when the group is gone. */
function killGroup(pgid: number, signal: NodeJS.Signals): boolean {
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

const running = (members: ProcStat[]) => members.filter((m) => m.state !== "Z");

/**
 * What terminateGroup works on: the leader's pid stays ours only until Node reaps it. `sandboxed`:
 * the leader is bwrap, and its one child the init of the sandbox's PID namespace.
 */
type Scope = { leader: number; tag: string | undefined; child: GroupLeader; leaderStart?: number; sandboxed: boolean };

const reaped = (child: GroupLeader) => child.exitCode !== null || child.signalCode !== null;
const membersOf = (scope: Scope) => groupMembers(scope.leader, scope.tag, reaped(scope.child), scope.leaderStart);

/**
 * bwrap and the sandbox's init: SIGTERM to either ends everything inside at once (the init dies,
 * and with it its PID namespace), so they get only SIGKILL, after the grace period.
 */
const isSandboxProcess = (scope: Scope, m: ProcStat) => scope.sandboxed && (m.pid === scope.leader || m.ppid === scope.leader);

function signalAll(scope: Scope, members: ProcStat[], signal: NodeJS.Signals): void {
  const { leader } = scope;
  if (scope.sandboxed && signal !== "SIGKILL") {
    // One by one, around bwrap: the processes inside have host pids in the host's /proc.
    for (const m of running(members)) {
      if (isSandboxProcess(scope, m)) continue;
      if (m.pgid !== leader && m.pgid === m.pid) killGroup(m.pgid, signal);
      killPid(m.pid, signal);
    }
    return;
  }
  // The group id cannot be reused while one of its members lives, so a member proves it is ours.
  if (!reaped(scope.child) || members.some((m) => m.pgid === leader)) killGroup(leader, signal);
  for (const m of running(members)) {
    if (m.pgid !== leader && m.pgid === m.pid) killGroup(m.pgid, signal);
    killPid(m.pid, signal);
  }
}

class ProcessGroupError extends Error {
  constructor(
    readonly pgid: number,
    readonly survivors: number[],
  ) {
    super(`Processes ${survivors.join(", ")} of process group ${pgid} survived SIGKILL`);
    this.name = "ProcessGroupError";
  }
}

/**
 * Confirms, with a short bounded back-off, that no member runs any more. Returns the members
 * still running at the deadline.
 */
async function settle(scope: Scope, budgetMs: number): Promise<ProcStat[]> {
  const deadline = Date.now() + budgetMs;
  let delay = 5;
  let members = running(await membersOf(scope));
  while (members.length > 0 && Date.now() < deadline) {
    await sleep(Math.min(delay, Math.max(1, deadline - Date.now())));
    delay = Math.min(delay * 2, 200);
    members = running(await membersOf(scope));
  }
  return members;
}

function exitOf(child: GroupLeader): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/**
 * SIGTERM to the group and every tracked descendant, SIGKILL to whatever is left after
 * `graceMs`, and resolve once none of them runs any more and the child itself has been reaped.
 * Throws ProcessGroupError if a process survives SIGKILL (uninterruptible sleep).
 *
 * A sandboxed process gets the same: SIGTERM to the processes inside the sandbox (not to bwrap,
 * which would end them all at once), and SIGKILL to everything, bwrap included, after `graceMs`.
 * When the command exits, bwrap exits with it.
 */
export async function terminateGroup(child: GroupLeader, graceMs: number): Promise<void> {
  const leader = child.pid;
  if (leader === undefined) return; // never started
  const record = spawnRecord(child);
  const sandboxed = record?.sandboxed === true;
  // The group first, at once (as the process list is read asynchronously): an agent told to stop
  // should not get to run on meanwhile. (In the sandbox that would be SIGTERM to bwrap too.)
  if (!reaped(child) && !sandboxed) killGroup(leader, "SIGTERM");
  const leaderStart = await record?.start;
  const scope: Scope = { leader, tag: record?.tag, child, sandboxed, ...(leaderStart !== undefined && { leaderStart }) };
  const listed = await membersOf(scope);
  // Nothing listed, not even a zombie (the leader included): the group is gone, nothing to wait for.
  if (listed.length === 0) return exitOf(child);
  const members = running(listed);
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
  // Dead members may linger as zombies until the host's init reaps them: a sandboxed group's
  // init, once bwrap has exited, is reaped by PID 1, on some hosts only every two seconds. They
  // run nothing and are not ours to reap, so nothing waits for them.
  await exitOf(child);
}

/**
 * Kills every tagged process whose owning runner is gone (killed with -9, crashed): agents and
 * terminals cannot outlive the runner that started them by more than the next runner start.
 * Returns the pids it killed.
 */
export function reapOrphans(): number[] {
  const killed: number[] = [];
  for (const { pid, tag } of taggedProcesses()) {
    if (ownerMayBeAlive(tag)) continue;
    killPid(pid, "SIGKILL");
    killed.push(pid);
  }
  return killed;
}

import { readdirSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * The runner tags every agent process it starts (and so everything those start) with this
 * environment variable, `<runner pid>.<runner start time>.<uuid>` (apps/runner/src/process-group.ts).
 * Agents run in their own process groups, so stopping a runner's group does not reach them; the
 * launcher finds a dead runner's agents by this tag.
 */
const PROCESS_TAG_VAR = "WHARF_PROCESS_TAG";

/** A process identified across pid reuse: its pid and its start time (field 22 of /proc/<pid>/stat). */
export type ProcessIdentity = { pid: number; startTime: string };

/** The start time of `pid`, or null when it is gone. */
export function startTimeOf(pid: number): string | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "latin1");
    return text.slice(text.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

/** The pids of the processes the runner `owner` tagged (its agents and their children). */
export function findAgentsOf(owner: ProcessIdentity): number[] {
  const prefix = `${PROCESS_TAG_VAR}=${owner.pid}.${owner.startTime}.`;
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    let environ: string;
    try {
      environ = readFileSync(`/proc/${pid}/environ`, "latin1");
    } catch {
      continue; // gone meanwhile, or another user's
    }
    if (environ.split("\0").some((v) => v.startsWith(prefix))) found.push(pid);
  }
  return found;
}

function signal(pid: number, sig: NodeJS.Signals, notice: (line: string) => void): void {
  try {
    process.kill(pid, sig);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") notice(`could not send ${sig} to agent process ${pid}: ${(error as Error).message}`);
  }
}

/**
 * Stops what a runner that has exited left running: SIGTERM to each tagged process, SIGKILL to
 * those still there after `graceMs`. Returns the pids it found.
 */
export async function reapAgentsOf(owner: ProcessIdentity, graceMs: number, notice: (line: string) => void): Promise<number[]> {
  const pids = findAgentsOf(owner);
  if (pids.length === 0) return pids;
  notice(`stopping ${pids.length} agent process(es) left by runner ${owner.pid}: ${pids.join(", ")}`);
  for (const pid of pids) signal(pid, "SIGTERM", notice);
  const deadline = Date.now() + graceMs;
  let alive = pids.filter((pid) => startTimeOf(pid) !== null);
  while (alive.length > 0 && Date.now() < deadline) {
    await sleep(25); // processes that are not our children cannot be awaited; the grace period bounds this
    alive = alive.filter((pid) => startTimeOf(pid) !== null && !isZombie(pid));
  }
  for (const pid of alive) signal(pid, "SIGKILL", notice);
  return pids;
}

function isZombie(pid: number): boolean {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "latin1");
    return text.slice(text.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return true;
  }
}

import { closeSync, openSync, readdirSync, readFileSync, readSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { setImmediate as yieldToLoop } from "node:timers/promises";
import { isErrno } from "./errno";

/**
 * Reading /proc: a process's stat line, its start time, the spawn tag in its environment, and the
 * members of a process group (see spawn.ts for the tag, terminate.ts for what is done with them).
 */

/** The environment variable that carries each spawn's tag (`<owner pid>.<owner start>.<uuid>`). */
export const processTagVar = "WHARF_PROCESS_TAG";

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

/** Field 22 of a stat line (starttime, clock ticks after boot), counted after the ")" that ends the command name. */
function startField(text: string): string | undefined {
  return text.slice(text.lastIndexOf(")") + 2).split(" ")[19];
}

/** When `pid` started (clock ticks after boot, as text); null when it is gone. */
export function startTimeOf(pid: number): string | null {
  try {
    return startField(readFileSync(`/proc/${pid}/stat`, "latin1")) ?? null;
  } catch {
    return null;
  }
}

/** The same, read off the event loop; undefined when it is gone. */
export async function readStartTime(pid: number): Promise<number | undefined> {
  try {
    const start = Number(startField(await readFile(`/proc/${pid}/stat`, "latin1")));
    return Number.isNaN(start) ? undefined : start;
  } catch {
    return undefined;
  }
}

type TimedStat = ProcStat & { start: number };

/** A stat line is well under 1 KiB; one buffer serves every read (they are synchronous). */
const statBuffer = Buffer.allocUnsafe(4096);
/** Stat files read between two turns of the event loop. */
const SCAN_SLICE = 128;

/** /proc/<pid>/stat, or null when the process is gone. */
function readStat(pid: string): string | null {
  let fd: number;
  try {
    fd = openSync(`/proc/${pid}/stat`, "r");
  } catch (error) {
    if (isErrno(error, "ENOENT") || isErrno(error, "ESRCH")) return null; // exited between readdir and open
    throw error;
  }
  try {
    return statBuffer.toString("latin1", 0, readSync(fd, statBuffer, 0, statBuffer.length, 0));
  } catch (error) {
    if (isErrno(error, "ESRCH")) return null;
    throw error;
  } finally {
    closeSync(fd);
  }
}

/**
 * Every process on the machine, with its start time (clock ticks after boot). The stat files are
 * read synchronously into one buffer, a slice at a time with the event loop served in between:
 * reading them with fs.promises cost ~8× the CPU (a thread-pool round trip per open, fstat, read
 * and close, and a 64 KiB buffer per file, as /proc reports size 0), and that ran beside every
 * stream of a busy runner each time a terminal or agent ended.
 */
async function readProcesses(): Promise<TimedStat[]> {
  const names = (await readdir("/proc")).filter((name) => /^\d+$/.test(name));
  const stats: TimedStat[] = [];
  for (let i = 0; i < names.length; i++) {
    if (i > 0 && i % SCAN_SLICE === 0) await yieldToLoop();
    const text = readStat(names[i]!);
    const stat = text === null ? null : parseProcStat(text);
    if (stat) stats.push({ ...stat, start: Number(startField(text!)) });
  }
  return stats;
}

let nextScan: Promise<TimedStat[]> | null = null;

/**
 * A scan of /proc that begins after this call, shared by every caller until it begins. When
 * several terminals or agents end at once (eight tasks leaving a terminal together), each asks
 * for the processes left in its group; one scan answers them all, instead of one scan of every
 * process on the machine per caller. Each caller still sees /proc as it was after it asked.
 */
function sharedScan(): Promise<TimedStat[]> {
  nextScan ??= yieldToLoop().then(() => {
    nextScan = null;
    return readProcesses();
  });
  return nextScan;
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
 * Read a slice at a time (see readProcesses); the environment (for the tag) is read only of processes
 * that started no earlier than the leader (`leaderStart`, read at spawn), since every tagged
 * process descends from the spawn.
 */
export async function groupMembers(leader: number, tag?: string, leaderReaped = false, leaderStart?: number): Promise<ProcStat[]> {
  const procs = (await sharedScan()).filter((p) => p.pid !== process.pid);
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

/** Every process (but this one) that carries a spawn tag, with the tag; read synchronously, at runner start. */
export function taggedProcesses(): { pid: number; tag: string }[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  const found: { pid: number; tag: string }[] = [];
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
    if (tagEntry) found.push({ pid, tag: tagEntry.slice(processTagVar.length + 1) });
  }
  return found;
}

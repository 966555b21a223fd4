import { readdirSync, readFileSync } from "node:fs";
import { groupMembers, parseProcStat } from "../processes/proc-scan";
import type { GroupChild } from "../processes/spawn";

/** True while the process runs; a killed process not yet reaped by its parent (zombie) counts as gone. */
export function alive(pid: number): boolean {
  try {
    const stat = parseProcStat(readFileSync(`/proc/${pid}/stat`, "latin1"));
    return stat !== null && stat.state !== "Z";
  } catch {
    return false;
  }
}

/** The members of the group led by `pid` that still run (zombies wait only for their parent to reap them). */
export async function runningMembers(pid: number) {
  return (await groupMembers(pid)).filter((m) => m.state !== "Z");
}

/** The first line a child writes to stdout, trimmed. */
export async function firstLine(child: GroupChild): Promise<string> {
  let buf = "";
  for await (const chunk of child.stdout) {
    buf += String(chunk);
    if (buf.includes("\n")) break;
  }
  return buf.trim();
}

/**
 * Host pids of the running processes whose command line has an argument containing `marker`
 * (`argv0`: whose name does, as `exec -a` sets it).
 * Works for sandboxed agents too: they run in their own PID namespace, but the host's /proc lists
 * them with host pids.
 */
export function pidsWithArg(marker: string, only: "any" | "argv0" = "any"): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    } catch {
      continue; // ended while we looked
    }
    const args = only === "argv0" ? argv.slice(0, 1) : argv;
    if (args.some((arg) => arg.includes(marker)) && alive(pid)) pids.push(pid);
  }
  return pids;
}

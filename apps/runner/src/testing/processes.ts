import { readFileSync } from "node:fs";
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

import { readFileSync } from "node:fs";

/** True while the process runs; a killed process not yet reaped by its parent (zombie) counts as gone. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, "latin1").includes(") Z ");
  } catch {
    return false;
  }
}

import { readFile, readlink, realpath, rm } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { isErrno } from "@wharf/common";
import type { Logger } from "./logger";

export class EmbeddedPostgresInUseError extends Error {
  override readonly name = "EmbeddedPostgresInUseError";
  constructor(
    readonly dataDir: string,
    readonly pid: number,
    readonly port: number | null,
  ) {
    super(
      `The PostgreSQL data directory ${dataDir} is in use by server process ${pid}` +
        `${port ? ` on port ${port}` : ""}, started by another running program (another Wharf?). ` +
        `Stop that program, or point this one at the same database with DATABASE_URL.`,
    );
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return isErrno(error, "EPERM");
  }
}

async function procField(pid: number, file: "comm" | "stat" | "cmdline"): Promise<string | null> {
  try {
    return await readFile(`/proc/${pid}/${file}`, "utf8");
  } catch {
    return null;
  }
}

async function cwd(pid: number): Promise<string | null> {
  try {
    return await readlink(`/proc/${pid}/cwd`);
  } catch {
    return null;
  }
}

/** The program a process runs: /proc/<pid>/exe, else its argv[0]. */
async function executable(pid: number): Promise<string> {
  try {
    return await readlink(`/proc/${pid}/exe`);
  } catch {
    return ((await procField(pid, "cmdline")) ?? "").split("\0")[0] ?? "";
  }
}

/**
 * Makes the data directory startable after a crash. PostgreSQL refuses to start while
 * `postmaster.pid` names a live process; after a crash that PID may have been reused by another
 * program (the file is then stale and removed), or the old server may still run, orphaned when
 * the process that started it was killed (it is shut down). A server started by a live program
 * is left alone: that is an error.
 */
export async function clearStalePostmaster(dataDir: string, log: Logger): Promise<void> {
  const file = path.join(dataDir, "postmaster.pid");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if (isErrno(error, "ENOENT")) return;
    throw error;
  }
  const lines = text.split("\n");
  const pid = Number.parseInt(lines[0] ?? "", 10);
  const port = Number.parseInt(lines[3] ?? "", 10) || null;
  const comm = Number.isInteger(pid) && pid > 0 && isAlive(pid) ? await procField(pid, "comm") : null;
  // A server runs in its data directory; a live process elsewhere (even another PostgreSQL) reused the PID.
  const serves = comm?.trim() === "postgres" && (await cwd(pid)) === (await realpath(dataDir));
  if (!serves) {
    log.warn("removing a stale postmaster.pid", { dataDir, pid });
    await rm(file, { force: true });
    return;
  }
  // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may contain spaces, so split after ')'.
  const stat = (await procField(pid, "stat")) ?? "";
  const ppid = Number.parseInt(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1] ?? "", 10);
  const parent = Number.isInteger(ppid) && ppid > 1 ? await executable(ppid) : "";
  // Wharf starts the server from Node; any other parent means the starter is gone (adopted by init).
  if (path.basename(parent).startsWith("node")) throw new EmbeddedPostgresInUseError(dataDir, pid, port);
  log.warn("shutting down an orphaned PostgreSQL server left by a crashed Wharf", { dataDir, pid, parent });
  process.kill(pid, "SIGINT");
  // There is no exit event for a process that is not our child: wait for it, bounded.
  for (let waited = 0; isAlive(pid); waited += 50) {
    if (waited > 30_000) throw new Error(`PostgreSQL server ${pid} did not stop within 30 s after SIGINT`);
    await sleep(50);
  }
}

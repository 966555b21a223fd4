import { readdir, realpath } from "node:fs/promises";
import path from "node:path";
import type pg from "pg";
import { keepsWorktree } from "@wharf/api/schemas";
import { removeWorktree, taskBranch, worktreeHasChanges } from "@wharf/git";
import type { Logger } from "./agents/transport";
import { z } from "zod";
import { removeIfEmpty } from "./agents/acp-transport";
import { TASK_REPO_SQL } from "./project-repo";
import { ownerMayBeAlive } from "./processes/spawn";
import { reapOrphans } from "./processes/terminate";

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * At start: kill agent processes a dead runner left behind, and remove worktrees whose task no
 * longer needs one (finished, failed, cancelled, discarded). A worktree folder is named by its task
 * (`<task>`) or is the slot its sandboxed agent waited in (`slot-<owner tag>`, the task's
 * `worktree_path`). Empty folders no task works in (a slot whose agent never got a task, a task
 * that ended before its worktree was made) are removed; nothing with content is. Tasks owned by a
 * dead runner come back through pg-boss (missed heartbeats → retry or fail).
 */
export async function reconcile(opts: { pool: pg.Pool; worktreesDir: string; log: Logger }): Promise<void> {
  const { pool, log } = opts;
  const reaped = reapOrphans();
  if (reaped.length > 0) log.warn("killed agent processes left by a runner that died", { pids: reaped });

  let entries: string[];
  // Worktree paths are stored as real paths (createWorktree).
  let worktreesDir: string;
  try {
    worktreesDir = await realpath(opts.worktreesDir);
    entries = await readdir(worktreesDir);
  } catch {
    return; // no worktrees yet
  }
  const names = entries.filter((name) => uuid.test(name) || slotName.test(name));
  if (names.length === 0) return;
  const folders = names.map((name) => path.join(worktreesDir, name));
  const { rows } = await pool.query(
    `select t.id, t.state, ${TASK_REPO_SQL} as repo_path, t.worktree_path from task t join project p on p.id = t.project_id
     where t.id = any($1::uuid[]) or t.worktree_path = any($2::text[])`,
    [names.filter((name) => uuid.test(name)), folders],
  );
  const byFolder = new Map<string, TaskOfFolder>();
  for (const raw of rows) {
    const row = taskOfFolder.parse(raw);
    if (row.worktree_path) byFolder.set(row.worktree_path, row);
    byFolder.set(path.join(worktreesDir, row.id), row);
  }
  for (const folder of folders) {
    const row = byFolder.get(folder);
    if (row && keepsWorktree(row.state)) continue;
    // A slot of a runner that still runs may be about to get its worktree.
    const slotTag = slotName.exec(path.basename(folder))?.[1];
    if (slotTag !== undefined && ownerMayBeAlive(slotTag)) continue;
    if (await isEmptyFolder(folder)) {
      log.info("removing an empty worktree folder", { path: folder });
      await removeIfEmpty(folder, log);
      continue;
    }
    if (!row) {
      log.warn("worktree of an unknown task left in place", { path: folder });
      continue;
    }
    try {
      // Work the task's last turn could not put on its branch stays where it is.
      if (await worktreeHasChanges(row.repo_path, folder)) {
        log.warn("the worktree of a finished task holds uncommitted work; left in place", { taskId: row.id, state: row.state, path: folder });
        continue;
      }
      log.info("removing the worktree of a finished task", { taskId: row.id, state: row.state });
      await removeWorktree({ repoPath: row.repo_path, path: folder, branch: taskBranch(row.id), deleteBranch: false });
      await pool.query(`update task set worktree_path = null where id = $1 and worktree_path = $2`, [row.id, folder]);
    } catch (error) {
      log.error("removing an orphan worktree failed", { taskId: row.id, error });
    }
  }
}

/** `slot-<tag>`: named by the runner that made it (processes/spawn.ts `newTag`). */
const slotName = /^slot-(\d+\.\d+\.[0-9a-f-]{36})$/;

const taskOfFolder = z.object({ id: z.string(), state: z.string(), repo_path: z.string(), worktree_path: z.string().nullable() });
type TaskOfFolder = z.infer<typeof taskOfFolder>;

async function isEmptyFolder(folder: string): Promise<boolean> {
  try {
    return (await readdir(folder)).length === 0;
  } catch {
    return false;
  }
}

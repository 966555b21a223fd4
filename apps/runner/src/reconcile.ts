import { readdir } from "node:fs/promises";
import path from "node:path";
import type pg from "pg";
import { keepsWorktree } from "@wharf/api/schemas";
import { removeWorktree, taskBranch } from "@wharf/git";
import { z } from "zod";
import type { Logger } from "./agents/transport";
import { reapOrphans } from "./processes/terminate";

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const worktreeTaskRow = z.object({ id: z.string(), state: z.string(), repoPath: z.string() });

/**
 * At start: kill agent processes a dead runner left behind, and remove worktrees whose task no
 * longer needs one (finished, failed, cancelled, discarded). Tasks owned by a dead runner come
 * back through pg-boss (missed heartbeats → retry or fail).
 */
export async function reconcile(opts: { pool: pg.Pool; worktreesDir: string; log: Logger }): Promise<void> {
  const { pool, worktreesDir, log } = opts;
  const reaped = reapOrphans();
  if (reaped.length > 0) log.warn("killed agent processes left by a runner that died", { pids: reaped });

  let entries: string[];
  try {
    entries = await readdir(worktreesDir);
  } catch {
    return; // no worktrees yet
  }
  const taskIds = entries.filter((name) => uuid.test(name));
  if (taskIds.length === 0) return;
  const { rows } = await pool.query(
    `select t.id, t.state::text as state, p.repo_path as "repoPath" from task t join project p on p.id = t.project_id where t.id = any($1::uuid[])`,
    [taskIds],
  );
  const byId = new Map(z.array(worktreeTaskRow).parse(rows).map((r) => [r.id, r]));
  for (const taskId of taskIds) {
    const row = byId.get(taskId);
    if (!row) {
      log.warn("worktree of an unknown task left in place", { path: path.join(worktreesDir, taskId) });
      continue;
    }
    if (keepsWorktree(row.state)) continue;
    log.info("removing the worktree of a finished task", { taskId, state: row.state });
    try {
      await removeWorktree({ repoPath: row.repoPath, path: path.join(worktreesDir, taskId), branch: taskBranch(taskId), deleteBranch: false });
      await pool.query(`update task set worktree_path = null where id = $1`, [taskId]);
    } catch (error) {
      log.error("removing an orphan worktree failed", { taskId, error });
    }
  }
}

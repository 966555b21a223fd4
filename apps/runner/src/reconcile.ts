import { readdir } from "node:fs/promises";
import path from "node:path";
import type pg from "pg";
import { removeWorktree } from "@wharf/git";
import type { Logger } from "./agents/transport";

/**
 * At start: remove worktrees whose task no longer needs one (finished, discarded, deleted).
 * Tasks owned by a dead runner come back through pg-boss (missed heartbeats → retry or fail).
 */
export async function reconcile(opts: { pool: pg.Pool; worktreesDir: string; log: Logger }): Promise<void> {
  const { pool, worktreesDir, log } = opts;
  let projectDirs: string[];
  try {
    projectDirs = await readdir(worktreesDir);
  } catch {
    return;
  }
  for (const projectId of projectDirs) {
    const dir = path.join(worktreesDir, projectId);
    let taskIds: string[];
    try {
      taskIds = await readdir(dir);
    } catch (error) {
      log.warn("cannot read worktree folder", { dir, error });
      continue;
    }
    const valid = taskIds.filter((id) => /^[0-9a-f-]{36}$/.test(id));
    if (valid.length === 0) continue;
    const { rows } = await pool.query<{ id: string; state: string; repo_path: string; worktree_path: string | null }>(
      `select t.id, t.state, p.repo_path, t.worktree_path from task t join project p on p.id = t.project_id where t.id = any($1::uuid[])`,
      [valid],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const taskId of valid) {
      const row = byId.get(taskId);
      const keep = row && ["queued", "running", "needs_input", "review", "completed"].includes(row.state);
      if (keep || !row) continue;
      const worktreePath = path.join(dir, taskId);
      log.info("removing worktree of a finished task", { taskId, state: row.state });
      await removeWorktree({ repoPath: row.repo_path, path: worktreePath, branch: `wharf/${taskId}`, deleteBranch: false }).catch((error: unknown) =>
        log.error("removing an orphan worktree failed", { taskId, error }),
      );
    }
  }
}

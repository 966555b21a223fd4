import type { Queryable } from "@wharf/db/pg";
import { z } from "zod";

/*
 * Changes travel back: a runner that worked in its own clone stores the task branch's commits
 * since the change's base as a git bundle (`task_bundle`, one row per task, replaced every turn);
 * the web host, and a runner that continues the task, fetch the branch from it. `baseCommit` is
 * where the bundle starts: a commit the hosts that import it have (see sendTaskBranchBack).
 */

/** Largest bundle stored: a turn whose commits make more fails with a clear reason, its work kept on the branch. */
export const MAX_BUNDLE_BYTES = 64 * 1024 * 1024;

const commit = z.string().regex(/^[0-9a-f]{40,64}$/, "a commit id");
const bundleRow = z.object({
  branch: z.string().startsWith("wharf/"),
  baseCommit: commit,
  headCommit: commit,
  bundle: z.instanceof(Buffer),
});
export type TaskBundle = z.infer<typeof bundleRow>;

export async function saveBundle(db: Queryable, taskId: string, bundle: TaskBundle): Promise<void> {
  if (bundle.bundle.length > MAX_BUNDLE_BYTES) throw new Error(`A bundle of ${bundle.bundle.length} bytes is over the ${MAX_BUNDLE_BYTES}-byte limit.`);
  await db.query(
    `insert into task_bundle (task_id, branch, base_commit, head_commit, bundle) values ($1, $2, $3, $4, $5)
     on conflict (task_id) do update set branch = excluded.branch, base_commit = excluded.base_commit, head_commit = excluded.head_commit,
       bundle = excluded.bundle, created_at = now()`,
    [taskId, bundle.branch, bundle.baseCommit, bundle.headCommit, bundle.bundle],
  );
}

export async function loadBundle(db: Queryable, taskId: string): Promise<TaskBundle | null> {
  const { rows } = await db.query(
    `select branch, base_commit as "baseCommit", head_commit as "headCommit", bundle from task_bundle where task_id = $1`,
    [taskId],
  );
  return z.array(bundleRow).parse(rows)[0] ?? null;
}

/** The stored bundle's branch and commits, without the bundle (it may be large); null: none stored. */
export async function loadBundleHead(db: Queryable, taskId: string): Promise<Omit<TaskBundle, "bundle"> | null> {
  const { rows } = await db.query(`select branch, base_commit as "baseCommit", head_commit as "headCommit" from task_bundle where task_id = $1`, [taskId]);
  return z.array(bundleRow.omit({ bundle: true })).parse(rows)[0] ?? null;
}

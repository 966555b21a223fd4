import type { Queryable } from "@wharf/db/pg";
import { branchHead, createBundle, fetchBranch, importBundle, pushBranch, PushRejectedError } from "@wharf/git";
import { TRPCError } from "@trpc/server";
import { loadBundle, loadBundleHead, MAX_BUNDLE_BYTES, saveBundle } from "../queries/bundle";
import type { ReviewTarget } from "../lifecycle";
import { isFinalTaskState } from "../schemas/task-states";

/*
 * The web host's side of tasks run on another host. Such a task's branch lives in the runner's
 * own clone (`task.work_repo`); the runner stores its commits as a bundle with each turn's change
 * (`task_bundle`). Before anything reads or moves the branch here (change.get, review, comments,
 * apply, rebase, push), `importTaskBranch` fetches it from the bundle into the project's
 * repository, so the review code is the same for local and remote tasks. Local tasks
 * (`workRepo` null) cost nothing: no query, no git.
 */

/** A task as the review code sees it: its project's repository here and where it worked. */
export type BranchHome = {
  taskId: string;
  repoPath: string;
  baseBranch: string;
  workRepo: string | null;
  cloneUrl: string | null;
  /** A final task's branch is not brought back (an applied or discarded one was deleted here on purpose). */
  state?: string;
};

/** Where a task in review lives, for importing its branch from another host. */
export const branchHome = (task: ReviewTarget): BranchHome => ({ taskId: task.id, repoPath: task.repoPath, baseBranch: task.baseBranch, workRepo: task.workRepo, cloneUrl: task.cloneUrl });

/** Makes the task branch here what the runner last sent (one rev-parse when it already is). */
export async function importTaskBranch(db: Queryable, task: BranchHome): Promise<void> {
  if (task.workRepo === null || (task.state !== undefined && isFinalTaskState(task.state))) return;
  // The bundle (up to 64 MB) is read only when the branch here is not already its head.
  const stored = await loadBundleHead(db, task.taskId);
  if (!stored || (await branchHead(task.repoPath, stored.branch)) === stored.headCommit) return;
  const bundle = await loadBundle(db, task.taskId);
  if (!bundle) return;
  await importBundle({
    repoPath: task.repoPath,
    bundle: bundle.bundle,
    branch: bundle.branch,
    headCommit: bundle.headCommit,
    ...(task.cloneUrl !== null && { source: { url: task.cloneUrl, baseBranch: task.baseBranch } }),
  });
}

/**
 * After the web host moved a remote task's branch (a partial apply, a rebase), the moved branch
 * becomes the stored bundle, so the runner that takes the next turn continues from it. The bundle
 * starts where the stored one did, a commit the runners have: not from the change's new base,
 * which a partial apply makes here and which no runner can fetch when what landed differs from it
 * (the base branch had moved meanwhile).
 */
export async function sendTaskBranchBack(db: Queryable, task: BranchHome, change: { branch: string; baseCommit: string; headCommit: string }): Promise<void> {
  if (task.workRepo === null) return;
  const since = (await loadBundleHead(db, task.taskId))?.baseCommit;
  const { bundle, startsAt } = await createBundle({ repoPath: task.repoPath, branch: change.branch, baseCommit: change.baseCommit, since, maxBytes: MAX_BUNDLE_BYTES });
  await saveBundle(db, task.taskId, { ...change, baseCommit: startsAt, bundle });
}

/** A project added by URL only: its repository here is Wharf's clone, whose base follows the URL's. */
export type ManagedRepo = { repoPath: string; baseBranch: string; cloneUrl: string | null; repoManaged: boolean };

/** Before a change lands on a managed clone's base: the base as the URL has it now. */
export async function refreshManagedBase(project: ManagedRepo): Promise<void> {
  if (!project.repoManaged || project.cloneUrl === null) return;
  await fetchBranch({ repoPath: project.repoPath, url: project.cloneUrl, branch: project.baseBranch });
}

/**
 * After a change landed on a managed clone's base: it goes to the URL, fast-forward only. When the
 * URL's base moved meanwhile (or refuses), CONFLICT with what to do; the caller's transaction rolls
 * back, and the next `refreshManagedBase` sets the base here back to the URL's.
 */
export async function pushManagedBase(project: ManagedRepo): Promise<void> {
  if (!project.repoManaged || project.cloneUrl === null) return;
  try {
    await pushBranch({ repoPath: project.repoPath, remote: "origin", branch: project.baseBranch });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof PushRejectedError && error.reason === "non_fast_forward") {
      throw new TRPCError({ code: "CONFLICT", message: `${project.baseBranch} at ${project.cloneUrl} moved while the change was applied; nothing was landed. Apply again (rebase first if it conflicts). ${message}` });
    }
    throw new TRPCError({ code: "PRECONDITION_FAILED", message: `The change could not be pushed to ${project.cloneUrl}; nothing was landed. ${message}` });
  }
}

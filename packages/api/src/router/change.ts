import { TRPCError } from "@trpc/server";
import { applyChange, removeWorktree as removeTaskWorktree } from "@wharf/git";
import { z } from "zod";
import { atEdge } from "../errors";
import type { Queryable } from "@wharf/db/pg";
import { applyTaskChange, discardTaskChange, inTransaction, notifyControl, type ReviewTarget } from "../lifecycle";
import { findTaskWorkspace } from "../queries/project";
import { getChangeByTask } from "../queries/change";
import { protectedProcedure } from "../trpc";
import { parseFiles } from "./task";

const byTask = z.object({ taskId: z.string().uuid() });

export const changeRouter = {
  get: protectedProcedure.input(byTask).query(async ({ ctx, input }) => {
    const change = await getChangeByTask(ctx.services.pool, input.taskId);
    if (!change) throw new TRPCError({ code: "NOT_FOUND", message: `Task ${input.taskId} has no change.` });
    return { ...change, files: parseFiles(change.files) };
  }),

  /**
   * Squashes the change onto the base branch. The task's row lock is held from the state check
   * through the git apply to the state write, so a concurrent follow-up prompt either comes first
   * (and this is refused) or sees the task applied (and is refused).
   */
  apply: protectedProcedure.input(byTask).mutation(async ({ ctx, input }) => {
    const { target, outcome } = await atEdge(() =>
      inTransaction(ctx.services.pool, (client) =>
        applyTaskChange(client, input.taskId, async (task) => {
          const title = task.prompt.split("\n")[0]!.slice(0, 72);
          return applyChange({
            repoPath: task.repoPath,
            baseBranch: task.baseBranch,
            branch: task.change.branch,
            baseCommit: task.change.baseCommit,
            headCommit: task.change.headCommit,
            message: `${title}\n\nApplied from wharf task ${task.id}.`,
          });
        }),
      ),
    );
    if (!outcome.ok) throw new TRPCError({ code: "CONFLICT", message: outcome.message });
    await removeWorktree(ctx.services.pool, target);
    return { taskId: target.id, state: "applied" as const, commit: outcome.commit };
  }),

  discard: protectedProcedure.input(byTask).mutation(async ({ ctx, input }) => {
    const target = await atEdge(() => inTransaction(ctx.services.pool, (client) => discardTaskChange(client, input.taskId)));
    await removeWorktree(ctx.services.pool, target);
    return { taskId: target.id, state: "discarded" as const };
  }),
};

/**
 * After apply or discard committed: the task's services stop and the worktree and the task branch
 * go. With a teardown script, the runner that owns the worktree runs it and removes the worktree
 * (the script runs in the runner's sandbox); if no runner takes the message, the next runner's
 * start-up reconcile removes it.
 */
async function removeWorktree(db: Queryable, task: ReviewTarget) {
  if (!task.worktreePath || !task.branch) return;
  let byRunner: boolean;
  try {
    const hasTeardown = (await findTaskWorkspace(db, task.id))?.hasTeardown ?? false;
    await notifyControl(db, { action: "release_worktree", taskId: task.id, remove: hasTeardown });
    byRunner = hasTeardown;
  } catch (error) {
    byRunner = false;
    console.error(`[change] could not tell the runner of task ${task.id} to release its worktree`, error);
  }
  if (byRunner) return;
  try {
    await removeTaskWorktree({ repoPath: task.repoPath, path: task.worktreePath, branch: task.branch, deleteBranch: true });
  } catch (error) {
    console.error(`[change] could not remove worktree of task ${task.id}`, error);
  }
}

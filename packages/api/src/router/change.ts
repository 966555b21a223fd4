import { TRPCError } from "@trpc/server";
import { applyChange, baseStatus, computeChange, deleteTaskBranch, rebaseTaskBranch, removeWorktree as removeTaskWorktree } from "@wharf/git";
import type { Queryable } from "@wharf/db/pg";
import { z } from "zod";
import { atEdge } from "../errors";
import { applyTaskChange, discardTaskChange, followUp, inTransaction, rebaseTaskChange, type ApplyOutcome, type ReviewTarget } from "../lifecycle";
import { getChangeByTask, getReviewContext } from "../queries/change";
import { conflictPrompt, defaultCommitMessage } from "../review/commit-message";
import { branchHome, importTaskBranch, pushManagedBase, refreshManagedBase, sendTaskBranchBack } from "../review/task-branch";
import { protectedProcedure } from "../trpc";
import { changePublish } from "./change-publish";
import { parseFiles } from "./task-input";

const taskId = z.string().uuid("Task ids are UUIDs.");
const byTask = z.object({ taskId });

/** A path as the change lists it (relative, no NUL). */
export const changePath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => !p.includes("\0"), "A path contains a NUL byte.")
  .refine((p) => !p.startsWith("/"), "Paths are relative to the repository, as the change lists them.");

const changeApplyInput = z.object({
  taskId,
  /** Apply only these files of the change; the rest stays on the task branch, in review. */
  paths: z.array(changePath).min(1, "Choose at least one file, or leave paths out to apply everything.").max(10_000).optional(),
  /** The commit message; default: the task's first prompt line, its summary and where it came from. */
  message: z.string().trim().min(1, "The commit message is empty.").max(20_000).optional(),
});

const changeRebaseInput = z.object({
  taskId,
  /** On a conflict, send it to the agent as a follow-up (the conflicted files listed) in the same step. */
  handToAgent: z.boolean().default(false),
});

/** How far the base branch moved since the task's base, or why that is unknown. */
async function baseView(context: { repoPath: string; baseBranch: string; change: { baseCommit: string; headCommit: string } }) {
  try {
    const status = await baseStatus({ repoPath: context.repoPath, baseBranch: context.baseBranch, ...context.change });
    return { baseBranch: context.baseBranch, ...status, error: null };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { baseBranch: context.baseBranch, baseTip: null, commitsBehind: null, clean: null, conflicts: [], error: message };
  }
}

/**
 * The git side of an apply: squashes the change (or its `paths`) onto the base branch; a partial
 * apply recomputes what is left on the task branch. Refused paths throw (nothing is recorded).
 */
export async function applyWithGit(client: Queryable, task: ReviewTarget, input: { paths?: string[] | undefined; message?: string | undefined }): Promise<ApplyOutcome> {
  await importTaskBranch(client, branchHome(task));
  await refreshManagedBase(task);
  const result = await applyChange({
    repoPath: task.repoPath,
    baseBranch: task.baseBranch,
    branch: task.change.branch,
    baseCommit: task.change.baseCommit,
    headCommit: task.change.headCommit,
    ...(input.paths ? { paths: input.paths } : {}),
    message: input.message ?? defaultCommitMessage(task, input.paths),
  });
  if (!result.ok) {
    // Refused before anything was tried: nothing is recorded (the transaction rolls back).
    if (result.reason === "invalid_paths") throw new TRPCError({ code: "BAD_REQUEST", message: result.message });
    return { ok: false, reason: result.reason, message: result.message };
  }
  await pushManagedBase(task);
  if (!result.rest) return { ok: true, commit: result.commit };
  await sendTaskBranchBack(client, branchHome(task), { branch: task.change.branch, ...result.rest });
  const rest = await computeChange({ worktreePath: task.repoPath, baseCommit: result.rest.baseCommit, headCommit: result.rest.headCommit });
  return {
    ok: true,
    commit: result.commit,
    rest: { branch: task.change.branch, baseCommit: result.rest.baseCommit, headCommit: result.rest.headCommit, ...rest, applied: result.files },
  };
}

export const changeRouter = {
  /** The change with its diff, and `base`: how far the project's base branch moved since (while in review). */
  get: protectedProcedure.input(byTask).query(async ({ ctx, input }) => {
    const [change, context] = await Promise.all([getChangeByTask(ctx.services.pool, input.taskId), getReviewContext(ctx.services.pool, input.taskId)]);
    if (!change || !context?.change) throw new TRPCError({ code: "NOT_FOUND", message: `Task ${input.taskId} has no change.` });
    await importTaskBranch(ctx.services.pool, context);
    const base = context.state === "review" ? await baseView({ ...context, change }) : null;
    return { ...change, files: parseFiles(change.files), base };
  }),

  /** How far the project's base branch moved since the task's base, and whether the change still applies cleanly. */
  baseStatus: protectedProcedure.input(byTask).query(async ({ ctx, input }) => {
    const context = await getReviewContext(ctx.services.pool, input.taskId);
    if (!context?.change) throw new TRPCError({ code: "NOT_FOUND", message: `Task ${input.taskId} has no change.` });
    await importTaskBranch(ctx.services.pool, context);
    return baseView({ ...context, change: context.change });
  }),

  /**
   * Squashes the change (or the chosen `paths` of it) onto the base branch as one commit; the
   * person's uncommitted work is never touched. The task's row lock is held from the state check
   * through the git apply to the state write, so a concurrent follow-up prompt either comes first
   * (and this is refused) or sees the outcome. A partial apply keeps the task in review with the
   * rest of its change on the same branch and worktree.
   */
  apply: protectedProcedure.input(changeApplyInput).mutation(async ({ ctx, input }) => {
    const { target, outcome } = await atEdge(() =>
      inTransaction(ctx.services.pool, (client) => applyTaskChange(client, input.taskId, (task) => applyWithGit(client, task, input))),
    );
    if (!outcome.ok) throw new TRPCError({ code: "CONFLICT", message: outcome.message });
    if (outcome.rest) {
      return { taskId: target.id, state: "review" as const, commit: outcome.commit, remaining: outcome.rest.files.map((file) => file.path) };
    }
    await removeWorktree(target);
    return { taskId: target.id, state: "applied" as const, commit: outcome.commit, remaining: [] as string[] };
  }),

  discard: protectedProcedure.input(byTask).mutation(async ({ ctx, input }) => {
    const target = await atEdge(() => inTransaction(ctx.services.pool, (client) => discardTaskChange(client, input.taskId)));
    await removeWorktree(target);
    return { taskId: target.id, state: "discarded" as const };
  }),

  /**
   * Moves the task branch and its worktree onto the base branch's current tip and recomputes the
   * change. On a conflict nothing changes and the conflicted files come back (`outcome:
   * "conflict"`); with `handToAgent` the conflict goes to the agent as a follow-up in the same step.
   */
  rebase: protectedProcedure.input(changeRebaseInput).mutation(async ({ ctx, input }) => {
    const { pool, boss } = ctx.services;
    return atEdge(() =>
      inTransaction(pool, async (client) => {
        let baseTip: string | undefined;
        const { target, outcome } = await rebaseTaskChange(client, input.taskId, async (task) => {
          await importTaskBranch(client, branchHome(task));
          await refreshManagedBase(task);
          const result = await rebaseTaskBranch({ repoPath: task.repoPath, baseBranch: task.baseBranch, branch: task.change.branch });
          if (!result.ok) {
            if (result.reason === "conflict") {
              baseTip = (await baseStatus({ repoPath: task.repoPath, baseBranch: task.baseBranch, ...task.change })).baseTip;
              return { ok: false, reason: result.reason, message: result.message, files: result.files ?? [] };
            }
            throw new TRPCError({ code: result.reason === "not_found" ? "NOT_FOUND" : "CONFLICT", message: result.message });
          }
          // Not rebased but on a newer base: the agent merged the base branch itself.
          if (!result.rebased && result.baseCommit === task.change.baseCommit) return { ok: true, rebased: false };
          await sendTaskBranchBack(client, branchHome(task), { branch: task.change.branch, baseCommit: result.baseCommit, headCommit: result.headCommit });
          const change = await computeChange({ worktreePath: task.repoPath, baseCommit: result.baseCommit, headCommit: result.headCommit });
          return { ok: true, rebased: true, change: { branch: task.change.branch, baseCommit: result.baseCommit, headCommit: result.headCommit, ...change } };
        });
        if (outcome.ok) {
          return outcome.rebased
            ? { taskId: target.id, outcome: "rebased" as const, baseCommit: outcome.change.baseCommit, headCommit: outcome.change.headCommit, files: [] as string[], message: null, sentToAgent: false }
            : { taskId: target.id, outcome: "up_to_date" as const, baseCommit: target.change.baseCommit, headCommit: target.change.headCommit, files: [] as string[], message: null, sentToAgent: false };
        }
        let sentToAgent = false;
        if (input.handToAgent && baseTip) {
          await followUp(client, boss, { taskId: target.id, prompt: conflictPrompt({ baseBranch: target.baseBranch, baseTip, files: outcome.files }) });
          sentToAgent = true;
        }
        return { taskId: target.id, outcome: "conflict" as const, baseCommit: target.change.baseCommit, headCommit: target.change.headCommit, files: outcome.files, message: outcome.message, sentToAgent };
      }),
    );
  }),

  /** push, openPullRequest: see change-publish.ts. */
  ...changePublish,
};

/**
 * After apply or discard committed (whose transaction told the runner to `release` the task: its
 * parked agent and services stop): the worktree and the task branch go. With a teardown script,
 * the runner that owns the worktree runs it and removes the worktree (the script runs in the
 * runner's sandbox); if no runner takes the message, the next runner's start-up reconcile removes it.
 */
export async function removeWorktree(task: ReviewTarget) {
  if (!task.worktreePath || !task.branch) return;
  try {
    // Run on another host: its runner removes worktree and branch there (`release` with remove);
    // here only the branch imported for review goes.
    if (task.workRepo !== null) return await deleteTaskBranch(task.repoPath, task.branch);
    if (task.hasTeardown) return;
    await removeTaskWorktree({ repoPath: task.repoPath, path: task.worktreePath, branch: task.branch, deleteBranch: true });
  } catch (error) {
    console.error(`[change] could not remove worktree of task ${task.id}`, error);
  }
}

import { TRPCError } from "@trpc/server";
import { applyChange, removeWorktree as removeTaskWorktree } from "@wharf/git";
import { z } from "zod";
import { notFound } from "../errors";
import { appendTaskEvents, inTransaction } from "../queue";
import { protectedProcedure } from "../trpc";
import { parseFiles } from "./task";

const byTask = z.object({ taskId: z.string().uuid() });

const changeSelect = {
  id: true,
  taskId: true,
  branch: true,
  baseCommit: true,
  headCommit: true,
  files: true,
  additions: true,
  deletions: true,
  diff: true,
  state: true,
  message: true,
  appliedCommit: true,
  createdAt: true,
  updatedAt: true,
} as const;

async function loadForAction(ctx: { services: { prisma: import("@wharf/db").PrismaClient } }, taskId: string) {
  const task = await ctx.services.prisma.task.findUnique({
    where: { id: taskId },
    select: {
      id: true,
      state: true,
      prompt: true,
      worktreePath: true,
      branch: true,
      project: { select: { repoPath: true, baseBranch: true } },
      change: { select: { id: true, state: true, baseCommit: true, headCommit: true, branch: true } },
    },
  });
  if (!task) throw notFound("Task", taskId);
  if (!task.change) throw new TRPCError({ code: "NOT_FOUND", message: `Task ${taskId} has no change to review.` });
  if (task.state !== "review") {
    throw new TRPCError({ code: "CONFLICT", message: `Task ${taskId} is ${task.state}; only tasks in review can be applied or discarded.` });
  }
  return { ...task, change: task.change };
}

export const changeRouter = {
  get: protectedProcedure.input(byTask).query(async ({ ctx, input }) => {
    const change = await ctx.services.prisma.change.findUnique({ where: { taskId: input.taskId }, select: changeSelect });
    if (!change) throw new TRPCError({ code: "NOT_FOUND", message: `Task ${input.taskId} has no change.` });
    return { ...change, files: parseFiles(change.files) };
  }),

  apply: protectedProcedure.input(byTask).mutation(async ({ ctx, input }) => {
    const task = await loadForAction(ctx, input.taskId);
    const title = task.prompt.split("\n")[0]!.slice(0, 72);
    const result = await applyChange({
      repoPath: task.project.repoPath,
      baseBranch: task.project.baseBranch,
      branch: task.change.branch,
      baseCommit: task.change.baseCommit,
      headCommit: task.change.headCommit,
      message: `${title}\n\nApplied from wharf task ${task.id}.`,
    });
    if (!result.ok) {
      await ctx.services.prisma.change.update({
        where: { id: task.change.id },
        data: { state: result.reason === "conflict" ? "conflict" : "pending", message: result.message },
      });
      throw new TRPCError({ code: "CONFLICT", message: result.message });
    }
    await inTransaction(ctx.services.pool, async (client) => {
      await client.query(`update change set state = 'applied', applied_commit = $2, message = null, updated_at = now() where id = $1`, [task.change.id, result.commit]);
      await client.query(`update task set state = 'applied', updated_at = now(), finished_at = now() where id = $1`, [task.id]);
      await appendTaskEvents(client, task.id, [{ type: "status", state: "applied", reason: `applied to ${task.project.baseBranch} as ${result.commit.slice(0, 12)}` }], "applied");
    });
    await removeWorktree(task, true);
    return { taskId: task.id, state: "applied" as const, commit: result.commit };
  }),

  discard: protectedProcedure.input(byTask).mutation(async ({ ctx, input }) => {
    const task = await loadForAction(ctx, input.taskId);
    await inTransaction(ctx.services.pool, async (client) => {
      await client.query(`update change set state = 'discarded', updated_at = now() where id = $1`, [task.change.id]);
      await client.query(`update task set state = 'discarded', updated_at = now(), finished_at = now() where id = $1`, [task.id]);
      await appendTaskEvents(client, task.id, [{ type: "status", state: "discarded", reason: "discarded" }], "discarded");
    });
    await removeWorktree(task, true);
    return { taskId: task.id, state: "discarded" as const };
  }),
};

async function removeWorktree(
  task: { id: string; worktreePath: string | null; branch: string | null; project: { repoPath: string } },
  deleteBranch = false,
) {
  if (!task.worktreePath || !task.branch) return;
  try {
    await removeTaskWorktree({ repoPath: task.project.repoPath, path: task.worktreePath, branch: task.branch, deleteBranch });
  } catch (error) {
    console.error(`[change] could not remove worktree of task ${task.id}`, error);
  }
}

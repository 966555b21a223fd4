import { TRPCError } from "@trpc/server";
import type { Queryable } from "@wharf/db/pg";
import { z } from "zod";
import { notFound } from "../errors";
import { notifyControl } from "../lifecycle";
import { findTaskWorkspace, type TaskWorkspaceRow } from "../queries/project";
import { isLiveTaskState, keepsWorktree, serviceNameSchema } from "../schemas";
import { protectedProcedure } from "../trpc";

/**
 * A task's workspace on demand: run the project's setup script again, start and stop its services.
 * Each is a control message to the runner that owns the task's worktree; what happens shows in the
 * task's timeline (setup steps and services are tool calls with their terminal output).
 */

const taskId = z.string().uuid("Task ids are UUIDs.");

async function withWorktree(db: Queryable, id: string, what: string): Promise<TaskWorkspaceRow> {
  const task = await findTaskWorkspace(db, id);
  if (!task) throw notFound("Task", id);
  if (!task.worktreePath || !keepsWorktree(task.state)) {
    throw new TRPCError({ code: "CONFLICT", message: `Task ${id} is ${task.state} and has no worktree; ${what} only while it runs or waits for review.` });
  }
  return task;
}

function serviceOf(task: TaskWorkspaceRow, name: string) {
  const service = task.services.find((s) => s.name === name);
  if (!service) {
    const names = task.services.map((s) => s.name);
    throw new TRPCError({
      code: "NOT_FOUND",
      message: names.length === 0 ? `The project has no services; add them in its workspace settings.` : `The project has no service "${name}"; it has ${names.join(", ")}.`,
    });
  }
  return service;
}

export const taskWorkspace = {
  runSetup: protectedProcedure.input(z.object({ taskId })).mutation(async ({ ctx, input }) => {
    const task = await withWorktree(ctx.services.pool, input.taskId, "setup can run");
    if (isLiveTaskState(task.state)) throw new TRPCError({ code: "CONFLICT", message: `Task ${input.taskId} is ${task.state}; run setup again once its turn is over.` });
    await notifyControl(ctx.services.pool, { action: "run_setup", taskId: input.taskId });
    return { sent: true };
  }),

  startService: protectedProcedure.input(z.object({ taskId, name: serviceNameSchema })).mutation(async ({ ctx, input }) => {
    const task = await withWorktree(ctx.services.pool, input.taskId, "services can start");
    const service = serviceOf(task, input.name);
    await notifyControl(ctx.services.pool, { action: "start_service", taskId: input.taskId, name: service.name });
    return { sent: true };
  }),

  stopService: protectedProcedure.input(z.object({ taskId, name: serviceNameSchema })).mutation(async ({ ctx, input }) => {
    const task = await findTaskWorkspace(ctx.services.pool, input.taskId);
    if (!task) throw notFound("Task", input.taskId);
    const service = serviceOf(task, input.name);
    await notifyControl(ctx.services.pool, { action: "stop_service", taskId: input.taskId, name: service.name });
    return { sent: true };
  }),
};

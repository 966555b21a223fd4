import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { notFound } from "../errors";
import { archiveFinishedBefore, setTaskArchived } from "../queries/board";
import { finishedTaskStates } from "../schemas";
import { protectedProcedure } from "../trpc";

/**
 * Archive: finished tasks leave the board's columns and search until they are unarchived.
 * Nothing is deleted: the worktree, branch, change and events stay as they are.
 */

const taskId = z.string().uuid("Task ids are UUIDs.");

async function setArchived(pool: Parameters<typeof setTaskArchived>[0], id: string, archive: boolean) {
  const result = await setTaskArchived(pool, id, archive);
  if (!result.found) throw notFound("Task", id);
  if ((result.archivedAt !== null) !== archive) {
    throw new TRPCError({
      code: "CONFLICT",
      message: `Task ${id} is ${result.state}; only finished tasks (${finishedTaskStates.join(", ")}) can be archived. Cancel it, or apply or discard its change, first.`,
    });
  }
  return { id, state: result.state, archivedAt: result.archivedAt };
}

export const taskArchive = {
  archive: protectedProcedure.input(z.object({ id: taskId })).mutation(({ ctx, input }) => setArchived(ctx.services.pool, input.id, true)),

  unarchive: protectedProcedure.input(z.object({ id: taskId })).mutation(({ ctx, input }) => setArchived(ctx.services.pool, input.id, false)),

  /** Archives every finished task (of one project, or all) that finished before `before`. */
  archiveFinished: protectedProcedure
    .input(
      z.object({
        before: z.coerce.date({ message: "before: give a date (ISO 8601) such as 2025-01-31T00:00:00Z." }),
        projectId: z.string().uuid("Project ids are UUIDs.").optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      if (input.before.getTime() > Date.now()) {
        throw new TRPCError({ code: "BAD_REQUEST", message: "before is in the future: archive tasks that finished before a past date." });
      }
      return { archived: await archiveFinishedBefore(ctx.services.pool, input.before, input.projectId) };
    }),
};

import { TRPCError } from "@trpc/server";
import { fileBlobs } from "@wharf/git";
import { z } from "zod";
import { notFound } from "../errors";
import { inTransaction } from "../lifecycle";
import { getReviewContext, type ReviewContext } from "../queries/change";
import { importTaskBranch } from "../review/task-branch";
import { listViewed, markViewed, unmarkViewed } from "../queries/review";
import { appendTaskEvents } from "../queue";
import { protectedProcedure } from "../trpc";
import { changePath } from "./change";

const taskId = z.string().uuid("Task ids are UUIDs.");

async function changeOf(pool: Parameters<typeof getReviewContext>[0], id: string): Promise<ReviewContext & { change: NonNullable<ReviewContext["change"]> }> {
  const context = await getReviewContext(pool, id);
  if (!context) throw notFound("Task", id);
  if (!context.change) throw new TRPCError({ code: "NOT_FOUND", message: `Task ${id} has no change to review yet.` });
  await importTaskBranch(pool, context);
  return { ...context, change: context.change };
}

/*
 * Files a reviewer marked as viewed. A mark keeps the file's blob at the change's head; it counts
 * while the file still has that content, so a later turn that changes the file resets it.
 */
export const reviewRouter = {
  /** Each file of the change and whether it is marked viewed (for its current content). */
  viewed: protectedProcedure.input(z.object({ taskId })).query(async ({ ctx, input }) => {
    const { pool } = ctx.services;
    const [context, marks] = await Promise.all([changeOf(pool, input.taskId), listViewed(pool, input.taskId)]);
    const paths = context.change.files.map((file) => file.path);
    const blobs = await fileBlobs(context.repoPath, context.change.headCommit, paths);
    const marked = new Map(marks.map((mark) => [mark.path, mark.blob]));
    const files = paths.map((path) => ({ path, viewed: marked.has(path) && marked.get(path) === blobs.get(path) }));
    return { taskId: input.taskId, files, viewed: files.filter((file) => file.viewed).length, total: files.length };
  }),

  /** Marks a file of the change viewed (its current content), or removes the mark. */
  setViewed: protectedProcedure.input(z.object({ taskId, path: changePath, viewed: z.boolean() })).mutation(async ({ ctx, input }) => {
    const { pool } = ctx.services;
    const context = await changeOf(pool, input.taskId);
    if (!context.change.files.some((file) => file.path === input.path)) {
      throw new TRPCError({ code: "BAD_REQUEST", message: `${input.path} is not one of the files the change of task ${input.taskId} touches.` });
    }
    const blob = input.viewed ? (await fileBlobs(context.repoPath, context.change.headCommit, [input.path])).get(input.path)! : null;
    await inTransaction(pool, async (client) => {
      if (blob === null) await unmarkViewed(client, input.taskId, input.path);
      else await markViewed(client, input.taskId, input.path, blob);
      await appendTaskEvents(client, input.taskId, [{ type: "review", subject: "viewed" }]);
    });
    return { taskId: input.taskId, path: input.path, viewed: input.viewed };
  }),
};

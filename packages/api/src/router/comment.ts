import { TRPCError } from "@trpc/server";
import { readFileAt } from "@wharf/git";
import { z } from "zod";
import { atEdge, notFound } from "../errors";
import { inTransaction, sendComments } from "../lifecycle";
import { getReviewContext, type ReviewContext } from "../queries/change";
import { importTaskBranch } from "../review/task-branch";
import { deleteComment, findComment, insertComment, listComments, updateCommentBody, type CommentRow } from "../queries/review";
import { appendTaskEvents } from "../queue";
import { placeComments, readAnchor, type CommentPlace } from "../review/comment-anchor";
import { buildCommentPrompt } from "../review/comment-prompt";
import { isFinalTaskState } from "../schemas";
import { protectedProcedure } from "../trpc";
import { changePath } from "./change";

const taskId = z.string().uuid("Task ids are UUIDs.");
const commentId = z.string().uuid("Comment ids are UUIDs.");
const body = z
  .string()
  .max(20_000, "A comment is at most 20,000 characters.")
  .refine((text) => text.trim().length > 0, "Write a comment: it is empty.");
const line = z.number().int().positive("Lines count from 1.").max(10_000_000);

const commentAddInput = z
  .object({
    taskId,
    /** The file as the change lists it (for a rename, its new path). */
    path: changePath,
    startLine: line,
    /** Last line of a range; default: startLine. */
    endLine: line.optional(),
    /** `new`: a line of the changed file (added or kept); `old`: a line the change removed. */
    side: z.enum(["old", "new"]).default("new"),
    body,
  })
  .refine((input) => (input.endLine ?? input.startLine) >= input.startLine, { message: "endLine must not be before startLine.", path: ["endLine"] });

/** A comment as the API returns it: where its lines are now, or that they changed (outdated). */
function commentView(comment: CommentRow & { place: CommentPlace }) {
  const { place, ...row } = comment;
  return {
    ...row,
    outdated: place.outdated,
    /** The lines in the current change the comment is about (moved when lines were added above them); null when outdated. */
    current: place.outdated ? null : { startLine: place.startLine, endLine: place.endLine },
  };
}

async function reviewContext(pool: Parameters<typeof getReviewContext>[0], id: string): Promise<ReviewContext & { change: NonNullable<ReviewContext["change"]> }> {
  const context = await getReviewContext(pool, id);
  if (!context) throw notFound("Task", id);
  if (!context.change) throw new TRPCError({ code: "NOT_FOUND", message: `Task ${id} has no change to comment on yet.` });
  await importTaskBranch(pool, context);
  return { ...context, change: context.change };
}

export const commentRouter = {
  /** A comment on a line or a range of lines of the task's change. */
  add: protectedProcedure.input(commentAddInput).mutation(async ({ ctx, input }) => {
    const { pool } = ctx.services;
    const context = await reviewContext(pool, input.taskId);
    if (isFinalTaskState(context.state)) {
      throw new TRPCError({ code: "CONFLICT", message: `Task ${input.taskId} is ${context.state}; its change is no longer under review.` });
    }
    const file = context.change.files.find((entry) => entry.path === input.path || entry.oldPath === input.path);
    if (!file) throw new TRPCError({ code: "BAD_REQUEST", message: `${input.path} is not one of the files the change of task ${input.taskId} touches.` });
    const endLine = input.endLine ?? input.startLine;
    const source = { repoPath: context.repoPath, ...context.change };
    const anchor = await readAnchor(source, { path: file.path, oldPath: file.oldPath, side: input.side, startLine: input.startLine, endLine });
    if (!anchor.ok) throw new TRPCError({ code: "BAD_REQUEST", message: anchor.message });
    const row = await inTransaction(pool, async (client) => {
      const inserted = await insertComment(client, {
        taskId: input.taskId,
        path: file.path,
        startLine: input.startLine,
        endLine,
        side: input.side,
        body: input.body,
        anchor: anchor.anchor,
        headCommit: context.change.headCommit,
      });
      await appendTaskEvents(client, input.taskId, [{ type: "review", subject: "comments" }]);
      return inserted;
    });
    return commentView({ ...row, place: { outdated: false, startLine: row.startLine, endLine: row.endLine } });
  }),

  /** The task's comments, oldest first, each placed on the current change (or outdated). */
  list: protectedProcedure.input(z.object({ taskId })).query(async ({ ctx, input }) => {
    const { pool } = ctx.services;
    const [context, comments] = await Promise.all([getReviewContext(pool, input.taskId), listComments(pool, input.taskId)]);
    if (!context) throw notFound("Task", input.taskId);
    // A final task's branch may be gone: its comments stay where they were written.
    if (!context.change || comments.length === 0 || isFinalTaskState(context.state)) {
      return comments.map((comment) => commentView({ ...comment, place: { outdated: false, startLine: comment.startLine, endLine: comment.endLine } }));
    }
    await importTaskBranch(pool, context);
    const placed = await placeComments({ repoPath: context.repoPath, ...context.change }, comments);
    return placed.map(commentView);
  }),

  /** Changes the text of an open comment (a sent one is what the agent got; add a new one). */
  update: protectedProcedure.input(z.object({ id: commentId, body })).mutation(async ({ ctx, input }) => {
    const { pool } = ctx.services;
    const row = await inTransaction(pool, async (client) => {
      const updated = await updateCommentBody(client, input.id, input.body);
      if (updated) await appendTaskEvents(client, updated.taskId, [{ type: "review", subject: "comments" }]);
      return updated;
    });
    if (!row) {
      const existing = await findComment(pool, input.id);
      if (!existing) throw notFound("Comment", input.id);
      throw new TRPCError({ code: "CONFLICT", message: `Comment ${input.id} was already sent to the agent; add a new comment instead.` });
    }
    return commentView({ ...row, place: { outdated: false, startLine: row.startLine, endLine: row.endLine } });
  }),

  delete: protectedProcedure.input(z.object({ id: commentId })).mutation(async ({ ctx, input }) => {
    const deleted = await inTransaction(ctx.services.pool, async (client) => {
      const owner = await deleteComment(client, input.id);
      if (owner) await appendTaskEvents(client, owner, [{ type: "review", subject: "comments" }]);
      return owner;
    });
    if (!deleted) throw notFound("Comment", input.id);
    return { id: input.id, taskId: deleted, deleted: true as const };
  }),

  /**
   * Sends every open comment to the agent as one follow-up prompt in the same session (each
   * `path:line` quoted with its lines and the comment) and marks them sent, in one transaction.
   */
  send: protectedProcedure.input(z.object({ taskId })).mutation(async ({ ctx, input }) => {
    const { pool, boss } = ctx.services;
    const context = await reviewContext(pool, input.taskId);
    const result = await atEdge(() =>
      inTransaction(pool, (client) =>
        sendComments(client, boss, input.taskId, async (comments) => {
          const paths = [...new Set(comments.filter((comment) => comment.side === "new").map((comment) => comment.path))];
          const files: Record<string, string | null> = {};
          for (const path of paths) {
            const content = await readFileAt(context.repoPath, context.change.headCommit, path);
            if (content !== undefined) files[path] = content;
          }
          return buildCommentPrompt({ comments, diff: context.change.diff, files });
        }),
      ),
    );
    return { taskId: input.taskId, state: "queued" as const, sent: result.sent, turn: result.turn, prompt: result.prompt };
  }),
};

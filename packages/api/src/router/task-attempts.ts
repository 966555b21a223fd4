import { TRPCError } from "@trpc/server";
import type pg from "pg";
import { z } from "zod";
import { atEdge, notFound } from "../errors";
import { applyTaskChange, createAttempts, inTransaction, lockGroupForPick, settleSiblings } from "../lifecycle";
import { findAttemptOf, listAttempts } from "../queries/attempts";
import { findTaskReferences } from "../queries/task";
import { MAX_ATTEMPTS, MIN_ATTEMPTS } from "../schemas";
import { publishErrorToTRPC } from "../review/publish-errors";
import { protectedProcedure } from "../trpc";
import { applyWithGit, removeWorktree } from "./change";
import { openPullRequest } from "./change-publish";
import { agentIdInput, optionIdInput, projectIdInput, promptInput, taskIdInput } from "./task-input";

/**
 * Best-of-N: one prompt to several agents (or N runs of one) as sibling tasks of one attempt
 * group; a side-by-side read of them; and "pick this one", which applies (or opens a pull request
 * for) the chosen attempt and then discards or cancels the others.
 */

const createAttemptsInput = z.object({
  projectId: projectIdInput,
  prompt: promptInput,
  attempts: z
    .array(z.object({ agentId: agentIdInput, model: optionIdInput.optional(), mode: optionIdInput.optional() }))
    .min(MIN_ATTEMPTS, `Compare at least ${MIN_ATTEMPTS} attempts; for one, use task.create.`)
    .max(MAX_ATTEMPTS, `At most ${MAX_ATTEMPTS} attempts run from one prompt.`),
});

const pickAttemptInput = z.object({
  taskId: taskIdInput,
  /** apply: squash the chosen change onto the base branch; pull_request: push it and open a pull request. */
  action: z.enum(["apply", "pull_request"]).default("apply"),
});

export const taskAttempts = {
  /** Creates the attempts in one transaction (all or none), each queued on its agent's queue. */
  createAttempts: protectedProcedure.input(createAttemptsInput).mutation(async ({ ctx, input }) => {
    const { pool, boss } = ctx.services;
    for (const agentId of new Set(input.attempts.map((attempt) => attempt.agentId))) {
      const refs = await findTaskReferences(pool, input.projectId, agentId);
      if (!refs.project) throw new TRPCError({ code: "NOT_FOUND", message: `Project ${input.projectId} does not exist. Add it first with project.create.` });
      if (!refs.agent) throw new TRPCError({ code: "NOT_FOUND", message: `Agent "${agentId}" is not known. See agent.list for the agents you can use.` });
    }
    return atEdge(() => inTransaction(pool, (client) => createAttempts(client, boss, input)));
  }),

  /** The attempts of a group side by side: agent, state, times, usage, change files and stats. `groupId` may also be one attempt's task id. */
  attempts: protectedProcedure.input(z.object({ groupId: z.string().uuid("Attempt group ids (and task ids) are UUIDs.") })).query(async ({ ctx, input }) => {
    const attempts = await listAttempts(ctx.services.pool, input.groupId);
    const first = attempts[0];
    if (!first) throw new TRPCError({ code: "NOT_FOUND", message: `No attempts have the group (or task) id ${input.groupId}. Make some with task.createAttempts.` });
    return {
      groupId: first.groupId,
      projectId: first.projectId,
      prompt: first.prompt,
      attempts: attempts.map(({ projectId: _project, prompt: _prompt, groupId: _group, ...attempt }) => attempt),
    };
  }),

  /**
   * Picks one attempt: applies it (or opens a pull request for it), then every sibling in review
   * is discarded and every live one cancelled; the others are left alone. When the apply (or the
   * push) fails, nothing else is done. The answer says what happened to each sibling.
   */
  pickAttempt: protectedProcedure.input(pickAttemptInput).mutation(async ({ ctx, input }) => {
    const { pool, boss } = ctx.services;
    const attempt = await findAttemptOf(pool, input.taskId);
    if (attempt === undefined) throw notFound("Task", input.taskId);
    if (attempt === null) {
      throw new TRPCError({
        code: "BAD_REQUEST",
        message: `Task ${input.taskId} is not one of several attempts: apply it with change.apply, or open a pull request with change.openPullRequest.`,
      });
    }
    const pick = { groupId: attempt.groupId, taskId: input.taskId };
    const picked = input.action === "apply" ? await applyPicked(pool, pick) : await publishPicked(pool, pick);
    // The pick is committed; the siblings are settled in a transaction of their own, so a failure
    // here leaves them as they were (and the pick stands).
    const { siblings, discarded } = await atEdge(() =>
      inTransaction(pool, (client) => settleSiblings(client, boss, { groupId: attempt.groupId, keepTaskId: input.taskId, keepIndex: attempt.attemptIndex, actor: ctx.actor })),
    );
    for (const target of discarded) await removeWorktree(target);
    return { taskId: input.taskId, groupId: attempt.groupId, attemptIndex: attempt.attemptIndex, action: input.action, ...picked, siblings };
  }),
};

type Pick = { groupId: string; taskId: string };

async function applyPicked(pool: pg.Pool, pick: Pick) {
  const { target, outcome } = await atEdge(() =>
    inTransaction(pool, async (client) => {
      await lockGroupForPick(client, pick);
      return applyTaskChange(client, pick.taskId, (task) => applyWithGit(client, task, {}));
    }),
  );
  if (!outcome.ok) {
    throw new TRPCError({ code: "CONFLICT", message: `${outcome.message} Nothing else was done: the other attempts are as they were.` });
  }
  await removeWorktree(target);
  return { state: "applied" as const, commit: outcome.commit, pullRequest: null };
}

async function publishPicked(pool: pg.Pool, pick: Pick) {
  try {
    const { outcome } = await atEdge(() =>
      inTransaction(pool, async (client) => {
        await lockGroupForPick(client, pick);
        return openPullRequest(client, pick.taskId, { draft: false });
      }),
    );
    return { state: "review" as const, commit: outcome.pushedCommit, pullRequest: outcome.pullRequest };
  } catch (error) {
    throw publishErrorToTRPC(error);
  }
}

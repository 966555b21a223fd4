import { TRPCError } from "@trpc/server";
import { readEvents } from "@wharf/db/pg";
import { z } from "zod";
import { atEdge, notFound } from "../errors";
import { cancelTask, createTask, followUp, inTransaction, MAX_DEPENDENCIES, startTask } from "../lifecycle";
import { getChangeSummary } from "../queries/change";
import { listPendingPermissions } from "../queries/permission";
import { findTaskReferences, getTask, getTaskLastSeq, getTaskTree, listTasks } from "../queries/task";
import { safeParseTaskEvent, taskStates } from "../schemas";
import { protectedProcedure } from "../trpc";
import { taskArchive } from "./task-archive";
import { taskAttempts } from "./task-attempts";
import { agentIdInput, optionIdInput, parseFiles, projectIdInput, promptInput, taskIdInput } from "./task-input";
import { taskEvents } from "./task-events";
import { taskTerminal } from "./task-terminal";
import { taskWorkspace } from "./task-workspace";

const prompt = promptInput;
const taskId = taskIdInput;

const taskCreateInput = z.object({
  projectId: projectIdInput,
  agentId: agentIdInput,
  prompt,
  model: optionIdInput.optional(),
  mode: optionIdInput.optional(),
  /** The task this one is a subtask of (same project). */
  parentId: taskId.optional(),
  /** Tasks (same project) this one waits for: it stays blocked until each reaches review, applied or completed. */
  dependsOn: z.array(taskId).max(MAX_DEPENDENCIES, `A task depends on at most ${MAX_DEPENDENCIES} tasks.`).optional(),
});

export const taskRouter = {
  create: protectedProcedure.input(taskCreateInput).mutation(async ({ ctx, input }) => {
    const { pool, boss } = ctx.services;
    const refs = await findTaskReferences(pool, input.projectId, input.agentId);
    if (!refs.project) throw new TRPCError({ code: "NOT_FOUND", message: `Project ${input.projectId} does not exist. Add it first with project.create.` });
    if (!refs.agent) throw new TRPCError({ code: "NOT_FOUND", message: `Agent "${input.agentId}" is not known. See agent.list for the agents you can use.` });
    const created = await atEdge(() => inTransaction(pool, (client) => createTask(client, boss, input)));
    return { id: created.id, state: created.state, blockedReason: created.blockedReason, createdAt: created.createdAt };
  }),

  list: protectedProcedure
    .input(
      z
        .object({
          projectId: z.string().uuid().optional(),
          agentId: z.string().max(100).optional(),
          states: z.array(z.enum(taskStates)).max(taskStates.length).optional(),
          limit: z.number().int().min(1).max(500).default(100),
          cursor: z.string().uuid().optional(),
        })
        .default({ limit: 100 }),
    )
    .query(async ({ ctx, input }) => {
      const items = await listTasks(ctx.services.pool, { ...input, limit: input.limit + 1 });
      const more = items.length > input.limit;
      return { items: items.slice(0, input.limit), nextCursor: more ? items[input.limit - 1]!.id : null };
    }),

  get: protectedProcedure.input(z.object({ id: taskId })).query(async ({ ctx, input }) => {
    const { pool } = ctx.services;
    // The row first, then what hangs off it: read in parallel on separate connections, a task just
    // moved to review could be seen with the change its own transaction wrote still missing.
    const task = await getTask(pool, input.id);
    if (!task) throw notFound("Task", input.id);
    const [change, permissions, tree] = await Promise.all([
      getChangeSummary(pool, input.id),
      listPendingPermissions(pool, { taskId: input.id, limit: 500 }),
      getTaskTree(pool, input.id),
    ]);
    return {
      ...task,
      ...tree,
      change: change ? { ...change, files: parseFiles(change.files) } : null,
      permissions: permissions.map(({ id, toolCallId, title, toolKind, options, toolCall, createdAt }) => ({ id, toolCallId, title, toolKind, options, toolCall, createdAt })),
    };
  }),

  /** Stored events, paged: ascending after `afterSeq`, or the page just before `beforeSeq`. */
  history: protectedProcedure
    .input(
      z.object({
        taskId,
        afterSeq: z.number().int().min(0).optional(),
        beforeSeq: z.number().int().min(1).optional(),
        limit: z.number().int().min(1).max(2000).default(500),
      }),
    )
    .query(async ({ ctx, input }) => {
      const lastSeq = await getTaskLastSeq(ctx.services.pool, input.taskId);
      if (lastSeq === null) throw notFound("Task", input.taskId);
      const rows = await readEvents(ctx.services.pool, input.taskId, {
        afterSeq: input.afterSeq,
        beforeSeq: input.beforeSeq,
        limit: input.limit,
      });
      const events = [];
      for (const row of rows) {
        const parsed = safeParseTaskEvent(row.payload);
        if (parsed.success) events.push({ seq: row.seq, at: row.at, event: parsed.data });
      }
      return { lastSeq, events };
    }),

  /** Subscription: stored then live events, resumable by `lastEventId` (see task-events.ts). */
  events: taskEvents,

  /** terminalInput, terminalResize, terminalOutput: see task-terminal.ts. */
  ...taskTerminal,
  ...taskWorkspace,

  /** archive, unarchive, archiveFinished: see task-archive.ts. */
  ...taskArchive,

  /** createAttempts, attempts, pickAttempt (best-of-N): see task-attempts.ts. */
  ...taskAttempts,

  /** Cancels the task; with `withSubtasks`, also every subtask (and theirs) that can still be cancelled. */
  cancel: protectedProcedure.input(z.object({ id: taskId, withSubtasks: z.boolean().optional() })).mutation(async ({ ctx, input }) => {
    const { pool, boss } = ctx.services;
    const { state, subtasks } = await atEdge(() =>
      inTransaction(pool, (client) => cancelTask(client, boss, { taskId: input.id, actor: ctx.actor, withSubtasks: input.withSubtasks })),
    );
    return { id: input.id, state, subtasksCancelled: subtasks };
  }),

  /** Starts a blocked task now, without waiting for its dependencies (e.g. after one failed). */
  start: protectedProcedure.input(z.object({ id: taskId })).mutation(async ({ ctx, input }) => {
    const { pool, boss } = ctx.services;
    await atEdge(() => inTransaction(pool, (client) => startTask(client, boss, { taskId: input.id, actor: ctx.actor })));
    return { id: input.id, state: "queued" as const };
  }),

  /** A follow-up prompt for a task in review (or completed): same session, same worktree. */
  prompt: protectedProcedure.input(z.object({ id: taskId, prompt })).mutation(async ({ ctx, input }) => {
    const { pool, boss } = ctx.services;
    await atEdge(() => inTransaction(pool, (client) => followUp(client, boss, { taskId: input.id, prompt: input.prompt })));
    return { id: input.id, state: "queued" as const };
  }),
};

import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { untilWoken } from "@wharf/common";
import { atEdge } from "../errors";
import { createTask, inTransaction, MAX_DEPENDENCIES } from "../lifecycle";
import { getAgentTask, listAgentSubtasks, notSubtasksOf, type AgentTaskView } from "../queries/mcp";
import { findTaskReferences } from "../queries/task";
import { dependencyLostTaskStates, isBlockedTaskState, isRestingTaskState } from "../schemas";
import type { Services } from "../services";
import { taskProcedure } from "../trpc";
import { promptInput, taskIdInput } from "./task-input";

/*
 * What an agent may do on its own board, through Wharf's MCP server (`wharf mcp`) with the token
 * scoped to its task: create subtasks of that task, list them, read them (and its own task), and
 * wait for one. Nothing else accepts that token (see TASK_PROCEDURES in ../trpc.ts).
 */

const WAIT_DEFAULT_S = 60;
/** Under the 300 s a fetch waits for response headers (undici's default): a longer wait is several calls. */
const WAIT_MAX_S = 240;

/** The task itself or one of its subtasks; anything else is refused as if it did not exist to this token. */
async function readableTask(services: Services, principal: { taskId: string }, id: string): Promise<AgentTaskView> {
  const task = await getAgentTask(services.pool, id);
  if (!task || (task.id !== principal.taskId && task.parentId !== principal.taskId)) {
    throw new TRPCError({
      code: "FORBIDDEN",
      message: `Task ${id} is not this task or one of its subtasks: a task's token reads only those (see list_tasks).`,
    });
  }
  return task;
}

/** Nothing more happens to the task by itself: it rests (review, completed, final), or is blocked by a dependency that failed. */
const settled = (task: AgentTaskView) =>
  isRestingTaskState(task.state) ||
  (isBlockedTaskState(task.state) && task.dependsOn.some((d) => (dependencyLostTaskStates as readonly string[]).includes(d.state)));

/**
 * Resolves once the task has settled, or with the task as it is when `timeoutMs` passes (`timedOut`)
 * or the request is aborted. Woken by the task's own events (the live layer's LISTEN), never by polling.
 */
async function waitUntilSettled(services: Services, read: () => Promise<AgentTaskView>, id: string, timeoutMs: number, signal: AbortSignal | undefined) {
  await services.live.ready();
  let last: AgentTaskView | null = null;
  return untilWoken<{ task: AgentTaskView; timedOut: boolean }>(
    (wake) => services.live.watchTask(id, wake),
    async () => {
      last = await read();
      return settled(last) ? { task: last, timedOut: false } : undefined;
    },
    {
      timeoutMs,
      signal,
      onTimeout: () => (last ? { task: last, timedOut: true } : new TRPCError({ code: "TIMEOUT", message: `Stopped waiting for task ${id} before it could be read.` })),
    },
  );
}

export const mcpRouter = {
  /** A subtask of the token's task, in its project; `dependsOn` names earlier subtasks it waits for. */
  createSubtask: taskProcedure
    .input(
      z.object({
        prompt: promptInput,
        /** Default: the agent of the token's task. */
        agentId: z.string().min(1).max(100).optional(),
        model: z.string().trim().min(1).max(200).optional(),
        mode: z.string().trim().min(1).max(200).optional(),
        dependsOn: z.array(taskIdInput).max(MAX_DEPENDENCIES, `A task depends on at most ${MAX_DEPENDENCIES} tasks.`).optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const { pool, boss } = ctx.services;
      const { principal } = ctx;
      const agentId = input.agentId ?? principal.agentId;
      if (!(await findTaskReferences(pool, principal.projectId, agentId)).agent) {
        throw new TRPCError({ code: "NOT_FOUND", message: `Agent "${agentId}" is not known. Leave agentId out to use this task's own agent.` });
      }
      const foreign = input.dependsOn?.length ? await notSubtasksOf(pool, principal.taskId, input.dependsOn) : [];
      if (foreign.length > 0) {
        throw new TRPCError({
          code: "FORBIDDEN",
          message: `dependsOn: ${foreign.join(", ")} ${foreign.length === 1 ? "is not a subtask" : "are not subtasks"} of this task; a subtask may wait only for its siblings.`,
        });
      }
      const created = await atEdge(() =>
        inTransaction(pool, (client) => createTask(client, boss, { ...input, agentId, projectId: principal.projectId, parentId: principal.taskId })),
      );
      return readableTask(ctx.services, principal, created.id);
    }),

  /** The token's task's subtasks, oldest first. */
  listTasks: taskProcedure.query(async ({ ctx }) => ({
    task: await readableTask(ctx.services, ctx.principal, ctx.principal.taskId),
    subtasks: await listAgentSubtasks(ctx.services.pool, ctx.principal.taskId),
  })),

  /** The token's task or one of its subtasks: state, summary, error, change stats, dependencies. */
  getTask: taskProcedure.input(z.object({ id: taskIdInput })).query(({ ctx, input }) => readableTask(ctx.services, ctx.principal, input.id)),

  /**
   * Waits until a subtask settles (review, completed, a final state, or blocked by a failed
   * dependency) and returns it; after `timeoutSeconds` returns it as it is, with `timedOut`.
   */
  waitForTask: taskProcedure
    .input(z.object({ id: taskIdInput, timeoutSeconds: z.number().int().min(1).max(WAIT_MAX_S).default(WAIT_DEFAULT_S) }))
    .query(async ({ ctx, input, signal }) => {
      const read = () => readableTask(ctx.services, ctx.principal, input.id);
      await read();
      return waitUntilSettled(ctx.services, read, input.id, input.timeoutSeconds * 1000, signal);
    }),
};

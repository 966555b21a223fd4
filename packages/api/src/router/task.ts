import { TRPCError } from "@trpc/server";
import { readEvents } from "@wharf/db";
import { z } from "zod";
import { notFound } from "../errors";
import { appendTaskEvents, inTransaction, sendTaskJob } from "../queue";
import { CHANNEL_CONTROL, changeFileSchema, taskEventSchema, taskStates, type ControlNotify } from "../schemas";
import { protectedProcedure } from "../trpc";
import { taskArchive } from "./task-archive";
import { taskEvents } from "./task-events";
import { taskTerminal } from "./task-terminal";

export const PROMPT_MAX = 100_000;

const prompt = z
  .string()
  .max(PROMPT_MAX, `A prompt is at most ${PROMPT_MAX} characters.`)
  .refine((p) => p.trim().length > 0, "Write a prompt: it is empty.");
const taskId = z.string().uuid("Task ids are UUIDs.");

export const taskSelect = {
  id: true,
  projectId: true,
  agentId: true,
  prompt: true,
  model: true,
  mode: true,
  state: true,
  attempt: true,
  runnerId: true,
  branch: true,
  baseCommit: true,
  worktreePath: true,
  sessionId: true,
  lastSeq: true,
  inputTokens: true,
  outputTokens: true,
  costAmount: true,
  costCurrency: true,
  summary: true,
  error: true,
  createdAt: true,
  updatedAt: true,
  startedAt: true,
  finishedAt: true,
  archivedAt: true,
  project: { select: { id: true, name: true } },
  agent: { select: { id: true, name: true, transport: true } },
} as const;

export const taskCreateInput = z.object({
  projectId: z.string().uuid("Project ids are UUIDs."),
  agentId: z.string().min(1).max(100),
  prompt,
  model: z.string().trim().min(1).max(200).optional(),
  mode: z.string().trim().min(1).max(200).optional(),
});

export const taskRouter = {
  create: protectedProcedure.input(taskCreateInput).mutation(async ({ ctx, input }) => {
    const { prisma, pool, boss } = ctx.services;
    const [project, agent] = await Promise.all([
      prisma.project.findUnique({ where: { id: input.projectId }, select: { id: true } }),
      prisma.agent.findUnique({ where: { id: input.agentId }, select: { id: true, available: true, name: true } }),
    ]);
    if (!project) throw new TRPCError({ code: "NOT_FOUND", message: `Project ${input.projectId} does not exist. Add it first with project.create.` });
    if (!agent) throw new TRPCError({ code: "NOT_FOUND", message: `Agent "${input.agentId}" is not known. See agent.list for the agents you can use.` });

    return inTransaction(pool, async (client) => {
      const { rows } = await client.query<{ id: string; created_at: Date }>(
        `insert into task (id, project_id, agent_id, prompt, model, mode, state, updated_at)
         values (gen_random_uuid(), $1, $2, $3, $4, $5, 'queued', now()) returning id, created_at`,
        [input.projectId, input.agentId, input.prompt, input.model ?? null, input.mode ?? null],
      );
      const id = rows[0]!.id;
      await appendTaskEvents(client, id, [
        { type: "message", role: "user", text: input.prompt },
        { type: "status", state: "queued", reason: "created" },
      ], "queued");
      const jobId = await sendTaskJob(boss, client, { taskId: id, turn: 0 });
      await client.query(`update task set job_id = $2 where id = $1`, [id, jobId]);
      return { id, state: "queued" as const, createdAt: rows[0]!.created_at };
    });
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
      const items = await ctx.services.prisma.task.findMany({
        where: {
          projectId: input.projectId,
          agentId: input.agentId,
          archivedAt: null, // archived tasks are off the list, as on the board; task.get still reads them
          ...(input.states ? { state: { in: input.states } } : {}),
        },
        select: taskSelect,
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        take: input.limit + 1,
        ...(input.cursor ? { cursor: { id: input.cursor }, skip: 1 } : {}),
      });
      const more = items.length > input.limit;
      return { items: items.slice(0, input.limit), nextCursor: more ? items[input.limit - 1]!.id : null };
    }),

  get: protectedProcedure.input(z.object({ id: taskId })).query(async ({ ctx, input }) => {
    const task = await ctx.services.prisma.task.findUnique({
      where: { id: input.id },
      select: {
        ...taskSelect,
        change: { select: { id: true, state: true, additions: true, deletions: true, files: true, message: true } },
        permissions: {
          where: { state: "pending" },
          select: { id: true, toolCallId: true, title: true, toolKind: true, options: true, toolCall: true, createdAt: true },
        },
      },
    });
    if (!task) throw notFound("Task", input.id);
    return { ...task, change: task.change ? { ...task.change, files: parseFiles(task.change.files) } : null };
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
      const task = await ctx.services.prisma.task.findUnique({ where: { id: input.taskId }, select: { lastSeq: true } });
      if (!task) throw notFound("Task", input.taskId);
      const rows = await readEvents(ctx.services.pool, input.taskId, {
        afterSeq: input.afterSeq,
        beforeSeq: input.beforeSeq,
        limit: input.limit,
      });
      const events = [];
      for (const row of rows) {
        const parsed = taskEventSchema.safeParse(row.payload);
        if (parsed.success) events.push({ seq: row.seq, at: row.at, event: parsed.data });
      }
      return { lastSeq: task.lastSeq, events };
    }),

  /** Subscription: stored then live events, resumable by `lastEventId` (see task-events.ts). */
  events: taskEvents,

  /** terminalInput, terminalResize, terminalOutput: see task-terminal.ts. */
  ...taskTerminal,

  /** archive, unarchive, archiveFinished: see task-archive.ts. */
  ...taskArchive,

  cancel: protectedProcedure.input(z.object({ id: taskId })).mutation(async ({ ctx, input }) => {
    const { pool, boss } = ctx.services;
    return inTransaction(pool, async (client) => {
      const { rows } = await client.query<{ state: string; job_id: string | null }>(
        `select state, job_id from task where id = $1 for update`,
        [input.id],
      );
      const row = rows[0];
      if (!row) throw notFound("Task", input.id);
      if (row.state === "queued") {
        await client.query(
          `update task set state = 'cancelled', cancel_requested = true, finished_at = now(), updated_at = now() where id = $1`,
          [input.id],
        );
        await appendTaskEvents(client, input.id, [{ type: "status", state: "cancelled", reason: `cancelled by ${ctx.actor}` }], "cancelled");
        if (row.job_id) await boss.cancel("wharf-task", row.job_id, { db: { executeSql: (t: string, v?: unknown[]) => client.query(t, v) } });
        return { id: input.id, state: "cancelled" as const };
      }
      if (row.state !== "running" && row.state !== "needs_input") {
        const hint = row.state === "review" ? " To drop its change, use change.discard." : "";
        throw new TRPCError({ code: "CONFLICT", message: `Task ${input.id} is ${row.state}; only queued, running or waiting tasks can be cancelled.${hint}` });
      }
      await client.query(`update task set cancel_requested = true, updated_at = now() where id = $1`, [input.id]);
      const message: ControlNotify = { action: "cancel", taskId: input.id };
      await client.query(`select pg_notify($1, $2)`, [CHANNEL_CONTROL, JSON.stringify(message)]);
      return { id: input.id, state: "cancelling" as const };
    });
  }),

  /** A follow-up prompt for a task in review: same session, same worktree. */
  prompt: protectedProcedure.input(z.object({ id: taskId, prompt })).mutation(async ({ ctx, input }) => {
    const { pool, boss } = ctx.services;
    return inTransaction(pool, async (client) => {
      const { rows } = await client.query<{ state: string; attempt: number }>(
        `select state, attempt from task where id = $1 for update`,
        [input.id],
      );
      const row = rows[0];
      if (!row) throw notFound("Task", input.id);
      if (row.state !== "review" && row.state !== "completed") {
        throw new TRPCError({ code: "CONFLICT", message: `Task ${input.id} is ${row.state}; follow-up prompts go to tasks in review (or completed without changes).` });
      }
      const turn = await client.query<{ turns: string }>(
        `select count(*) as turns from task_event where task_id = $1 and type = 'message' and payload->>'role' = 'user'`,
        [input.id],
      );
      await client.query(
        `update task set state = 'queued', cancel_requested = false, finished_at = null, error = null, updated_at = now() where id = $1`,
        [input.id],
      );
      await appendTaskEvents(client, input.id, [
        { type: "message", role: "user", text: input.prompt },
        { type: "status", state: "queued", reason: "follow-up prompt" },
      ], "queued");
      const jobId = await sendTaskJob(boss, client, { taskId: input.id, turn: Number(turn.rows[0]?.turns ?? 1) });
      await client.query(`update task set job_id = $2 where id = $1`, [input.id, jobId]);
      return { id: input.id, state: "queued" as const };
    });
  }),
};

const changeFilesSchema = z.array(changeFileSchema);

/** Stored change files, typed; a row that does not parse is a bug worth a clear error. */
export function parseFiles(value: unknown) {
  const parsed = changeFilesSchema.safeParse(value);
  if (!parsed.success) throw new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: "A stored change has an invalid file list." });
  return parsed.data;
}

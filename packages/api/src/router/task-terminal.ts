import { TRPCError } from "@trpc/server";
import type { Queryable } from "@wharf/db/pg";
import { z } from "zod";
import { notFound } from "../errors";
import { findTerminalTask, readTerminalOutput, taskExists } from "../queries/terminal";
import { notifyControl } from "../lifecycle";
import { TERMINAL_INPUT_MAX, terminalOutputEventSchema, terminalSizeSchema, type ControlNotify } from "../schemas";
import { protectedProcedure } from "../trpc";

/**
 * The terminal of an agent that runs in a pseudo-terminal (PTY transport): its stored output for
 * replay, and keystrokes and size from the task page, sent to the runner over `wharf_control`.
 */

const taskId = z.string().uuid("Task ids are UUIDs.");
const terminalId = z.string().min(1).max(200);
const OUTPUT_PAGE = 1000;

/** Sends `message` to the runner of a task whose agent is running in a terminal now. */
async function toLiveTerminal(db: Queryable, id: string, message: ControlNotify): Promise<void> {
  const row = await findTerminalTask(db, id);
  if (!row) throw notFound("Task", id);
  if (row.transport !== "pty") {
    throw new TRPCError({ code: "CONFLICT", message: `Task ${id} runs ${row.agentName} over ${row.transport}; only agents in a terminal (pty) take terminal input.` });
  }
  if (row.state !== "running" && row.state !== "needs_input") {
    throw new TRPCError({ code: "CONFLICT", message: `Task ${id} is ${row.state}; its terminal takes input only while the agent runs.` });
  }
  await notifyControl(db, message);
}

export const taskTerminal = {
  /** Keystrokes (or pasted text, at most TERMINAL_INPUT_MAX characters per call, in order). */
  terminalInput: protectedProcedure
    .input(
      z.object({
        id: taskId,
        data: z.string().min(1).max(TERMINAL_INPUT_MAX, `Send at most ${TERMINAL_INPUT_MAX} characters per call; split longer input.`),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      await toLiveTerminal(ctx.services.pool, input.id, { action: "terminal_input", taskId: input.id, data: input.data });
      return { sent: input.data.length };
    }),

  terminalResize: protectedProcedure
    .input(z.object({ id: taskId, ...terminalSizeSchema.shape }))
    .mutation(async ({ ctx, input }) => {
      await toLiveTerminal(ctx.services.pool, input.id, { action: "terminal_resize", taskId: input.id, cols: input.cols, rows: input.rows });
      return { cols: input.cols, rows: input.rows };
    }),

  /** Stored output of one terminal of a task, ascending after `afterSeq`, a page at a time. */
  terminalOutput: protectedProcedure
    .input(z.object({ taskId, terminalId, afterSeq: z.number().int().min(0).default(0) }))
    .query(async ({ ctx, input }) => {
      const { pool } = ctx.services;
      if (!(await taskExists(pool, input.taskId))) throw notFound("Task", input.taskId);
      const rows = await readTerminalOutput(pool, input.taskId, input.terminalId, input.afterSeq, OUTPUT_PAGE + 1);
      const more = rows.length > OUTPUT_PAGE;
      const chunks = [];
      for (const row of rows.slice(0, OUTPUT_PAGE)) {
        const parsed = terminalOutputEventSchema.safeParse(row.payload);
        if (!parsed.success) continue;
        const { type: _type, terminalId: _id, ...chunk } = parsed.data;
        chunks.push({ seq: row.seq, ...chunk });
      }
      return { chunks, more };
    }),
};

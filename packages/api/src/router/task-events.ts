import { tracked, TRPCError } from "@trpc/server";
import { z } from "zod";
import { notFound, retryableError } from "../errors";
import { streamTaskEvents } from "../live";
import { getTaskLastSeq } from "../queries/task";
import { safeParseTaskEvent, type TaskEvent } from "../schemas";
import { protectedProcedure } from "../trpc";

const taskEventsInput = z.object({
  taskId: z.string().uuid("Task ids are UUIDs."),
  /** The last seq the client has (as tRPC's SSE `lastEventId`); the stream resumes after it. */
  lastEventId: z
    .string()
    .regex(/^\d{1,10}$/, "lastEventId is the seq of the last event received, e.g. \"42\".")
    .nullish(),
  /** Without lastEventId: start this many events before the end instead of at the first one. */
  tail: z.number().int().min(0).max(1_000_000).optional(),
});

/** One event as the subscription yields it (wrapped in `tracked(String(seq), …)`). */
export type LiveTaskEvent = { seq: number; at: Date; event: TaskEvent };

/**
 * `task.events`: every event of a task after `lastEventId` (or the last `tail` ones, or all), then
 * live ones as they are committed. Resumable: the SSE event id is the seq.
 */
export const taskEvents = protectedProcedure.input(taskEventsInput).subscription(async function* ({ ctx, input, signal }) {
  const { pool, live } = ctx.services;
  const stream = streamTaskEvents({
    live,
    db: pool,
    taskId: input.taskId,
    signal,
    startAfter: async () => {
      const lastSeq = await getTaskLastSeq(pool, input.taskId);
      if (lastSeq === null) throw notFound("Task", input.taskId);
      if (input.lastEventId != null) {
        const after = Number(input.lastEventId);
        if (after > lastSeq) {
          throw new TRPCError({
            code: "BAD_REQUEST",
            message: `lastEventId ${after} is past the last event of task ${input.taskId} (${lastSeq}).`,
          });
        }
        return after;
      }
      return input.tail === undefined ? 0 : Math.max(0, lastSeq - input.tail);
    },
  });
  // One generator less per event than retryableWhenUnavailable(stream): a busy task yields thousands a second.
  try {
    for await (const row of stream) {
      yield tracked(String(row.seq), { seq: row.seq, at: row.at, event: parseEvent(row.payload, row.seq) } satisfies LiveTaskEvent);
    }
  } catch (error) {
    throw retryableError(error);
  }
});

/** A stored event that does not parse is a bug; the client still gets its seq, as an error event. */
function parseEvent(payload: unknown, seq: number): TaskEvent {
  const parsed = safeParseTaskEvent(payload);
  if (parsed.success) return parsed.data;
  return { type: "error", message: `Event ${seq} could not be read.`, detail: parsed.error.message.slice(0, 2000) };
}

import { z } from "zod";
import { retryableWhenUnavailable } from "../errors";
import { streamBoardChanges } from "../live";
import { protectedProcedure } from "../trpc";
import { boardTasks } from "./board-tasks";

const boardChangesInput = z
  .object({ projectId: z.string().uuid("Project ids are UUIDs.").optional() })
  .default({});

export const boardRouter = {
  /** live, finished: the cards, see board-tasks.ts. */
  ...boardTasks,

  /**
   * `board.changes`: `{taskId, projectId, seq, state?, status?}` whenever a task gets events, at
   * most once per task per 100 ms. No backfill: on (re)connect, refetch `task.list`.
   */
  changes: protectedProcedure.input(boardChangesInput).subscription(async function* ({ ctx, input, signal }) {
    yield* retryableWhenUnavailable(streamBoardChanges({ live: ctx.services.live, projectId: input.projectId, signal }));
  }),
};

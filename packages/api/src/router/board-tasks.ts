import { z } from "zod";
import { listFinishedCards, listLiveCards, type BoardCard } from "../queries/board";
import { finishedTaskStates } from "../schemas";
import { protectedProcedure } from "../trpc";

/**
 * The board's cards. Live tasks (queued, running, needs input, review) come whole, so those
 * columns stay complete; finished tasks come a page at a time per column, newest first.
 */

/** More live tasks than this at once is not a board a person reads; the newest are shown. */
const LIVE_CARDS_MAX = 2000;

const filter = {
  projectId: z.string().uuid("Project ids are UUIDs.").optional(),
  agentId: z.string().min(1).max(100).optional(),
  search: z.string().max(200, "Search for at most 200 characters.").optional(),
};

const boardLiveInput = z.object(filter).default({});

const boardFinishedInput = z.object({
  ...filter,
  states: z
    .array(z.enum(finishedTaskStates, { message: `Finished columns hold the states ${finishedTaskStates.join(", ")}.` }))
    .min(1, "Name at least one finished state.")
    .max(finishedTaskStates.length),
  /** The archived view: only archived tasks; otherwise only the others. */
  archived: z.boolean().default(false),
  cursor: z.object({ updatedAt: z.coerce.date(), id: z.string().uuid() }).optional(),
  limit: z.number().int().min(1).max(200).default(50),
});

/** A card as the API answers it: without the row's `updatedAt`, which only orders the pages. */
function card({ updatedAt: _updatedAt, ...rest }: BoardCard) {
  return rest;
}

export const boardTasks = {
  /** Every task that is not finished, newest first (at most LIVE_CARDS_MAX). */
  live: protectedProcedure.input(boardLiveInput).query(async ({ ctx, input }) => {
    const items = await listLiveCards(ctx.services.pool, input, LIVE_CARDS_MAX + 1);
    return { items: items.slice(0, LIVE_CARDS_MAX).map(card), truncated: items.length > LIVE_CARDS_MAX };
  }),

  /** A page of finished tasks in `states`; `nextCursor` fetches the next one, `total` counts them all. */
  finished: protectedProcedure.input(boardFinishedInput).query(async ({ ctx, input }) => {
    const { states, archived, cursor, limit, ...rest } = input;
    const { items, total } = await listFinishedCards(ctx.services.pool, { states, filter: rest, archived, cursor, limit: limit + 1 });
    const page = items.slice(0, limit);
    const last = page.at(-1);
    return { items: page.map(card), total, nextCursor: items.length > limit && last ? { updatedAt: last.updatedAt, id: last.id } : null };
  }),
};

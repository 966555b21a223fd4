import { finishedTaskStates } from "@wharf/api/task-states";
import { columns, type ColumnId } from "./format";

/*
 * The board's queries, shared by the board (in the browser) and its page (on the server, which
 * renders the board with their answers already in it): the same inputs make the same query keys.
 */

/**
 * Finished tasks per page of the Done and Failed columns. The first page of each comes in the
 * board's HTML (as its query data): 50 made that data about 40 KB larger, which the browser decodes
 * before the board is live, for cards below the fold.
 */
export const BOARD_PAGE = 25;

/** Columns of finished tasks: paged from the server, newest first. */
export const finishedColumns: ColumnId[] = ["done", "failed"];

type FinalState = (typeof finishedTaskStates)[number];
const isFinal = (state: string): state is FinalState => (finishedTaskStates as readonly string[]).includes(state);

/** The board's filter (empty on a first visit). */
export type BoardFilter = { projectId?: string | undefined; agentId?: string | undefined; search?: string | undefined };

/** `board.finished`'s input for the first page of a finished column. */
export function finishedColumnInput(columnId: ColumnId, filter: BoardFilter, archived: boolean) {
  const states = (columns.find((c) => c.id === columnId)?.states ?? []).filter(isFinal);
  return { ...filter, states, archived, limit: BOARD_PAGE };
}

import type { Queryable } from "@wharf/db/pg";
import { z } from "zod";
import { CHANNEL_EVENTS, finishedTaskStates, taskStateSchema, type TaskState } from "../schemas";

/**
 * The board's reads and the archive writes, one SQL statement each. Live tasks (every state that
 * is not final) are listed whole; finished tasks are paged newest first and may be archived.
 */

/** Which states may be archived: the final ones (review still waits for a decision). */
const archivable: readonly TaskState[] = finishedTaskStates;

/** Prompts, errors and summaries are cut to what a card shows. */
const CARD_TEXT = 400;

/**
 * What a card shows, and nothing more: the board's first page travels in its HTML, where every
 * field of every card is bytes the browser decodes before the board is live (the task page has
 * the rest). `updatedAt` orders the finished pages (their cursor); the API leaves it out of a card.
 */
const cardRowSchema = z.object({
  id: z.string(),
  projectName: z.string(),
  agentName: z.string(),
  prompt: z.string(),
  state: taskStateSchema,
  branch: z.string().nullable(),
  error: z.string().nullable(),
  summary: z.string().nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
  archivedAt: z.date().nullable(),
  /** The task's pull / merge request number, once opened (change.openPullRequest). */
  prNumber: z.number().int().nullable(),
  /** Subtasks: the parent's id, and how many subtasks this task has (and how many of them are done with). */
  parentId: z.string().nullable(),
  subtasks: z.number().int(),
  subtasksDone: z.number().int(),
  /** While blocked: what it waits for, or which dependency failed. */
  blockedReason: z.string().nullable(),
  /** Best-of-N: the attempt group (compare view), this card's place in it, and how many attempts it has. */
  attemptGroup: z.string().nullable(),
  attemptIndex: z.number().int().nullable(),
  attempts: z.number().int(),
});
export type BoardCard = z.infer<typeof cardRowSchema>;

export type BoardFilter = { projectId?: string; agentId?: string; search?: string };
export type BoardCursor = { updatedAt: Date; id: string };

const cardColumns = `
  t.id::text as "id", p.name as "projectName",
  a.name as "agentName", left(t.prompt, ${CARD_TEXT}) as "prompt", t.state::text as "state", t.branch as "branch",
  left(t.error, ${CARD_TEXT}) as "error", left(t.summary, ${CARD_TEXT}) as "summary",
  t.created_at as "createdAt", t.updated_at as "updatedAt", t.archived_at as "archivedAt",
  t.pr_number as "prNumber", t.parent_id::text as "parentId", left(t.blocked_reason, ${CARD_TEXT}) as "blockedReason",
  (select count(*)::int from task s where s.parent_id = t.id) as "subtasks",
  (select count(*)::int from task s where s.parent_id = t.id and s.state in ('review', 'applied', 'completed', 'discarded')) as "subtasksDone",
  t.attempt_group::text as "attemptGroup", t.attempt_index as "attemptIndex",
  (select count(*)::int from task g where g.attempt_group = t.attempt_group) as "attempts"`;

/**
 * The filter as SQL over `$1` project, `$2` agent, `$3` search text (a LIKE pattern, escaped), and
 * `$4`/`$5` the range of task ids that start with the search (null when it cannot start an id).
 * A search matches the prompt anywhere, the branch anywhere, or the start of the task id; each of
 * the three can use an index (trigram on prompt and branch, the primary key for the id range).
 */
const filterSql = `
  ($1::uuid is null or t.project_id = $1::uuid)
  and ($2::text is null or t.agent_id = $2::text)
  and ($3::text is null or t.prompt ilike $3::text or t.branch ilike $3::text or t.id between $4::uuid and $5::uuid)`;

type FilterParams = [string | null, string | null, string | null, string | null, string | null];

function filterParams(filter: BoardFilter): FilterParams {
  const search = filter.search?.trim();
  if (!search) return [filter.projectId ?? null, filter.agentId ?? null, null, null, null];
  const escaped = search.replace(/[\\%_]/g, (c) => `\\${c}`);
  const ids = idPrefixRange(search);
  return [filter.projectId ?? null, filter.agentId ?? null, `%${escaped}%`, ids?.[0] ?? null, ids?.[1] ?? null];
}

/** The lowest and highest UUID that start with `prefix` (hex digits, dashes where a UUID has them), or null. */
function idPrefixRange(prefix: string): [string, string] | null {
  const hex = prefix.toLowerCase();
  if (hex.length > 36 || !/^[0-9a-f-]+$/.test(hex)) return null;
  const template = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
  for (let i = 0; i < hex.length; i++) if ((hex[i] === "-") !== (template[i] === "-")) return null;
  const fill = (digit: string) => hex + template.slice(hex.length).replace(/x/g, digit);
  return [fill("0"), fill("f")];
}

function parseCards(rows: unknown[]): BoardCard[] {
  return rows.map((row) => {
    const parsed = cardRowSchema.safeParse(row);
    if (!parsed.success) throw new Error(`A task row did not parse as a board card: ${parsed.error.message}`);
    return parsed.data;
  });
}

/** Every task that is not in a final state (queued, running, needs input, review), newest first, at most `limit`. */
export async function listLiveCards(db: Queryable, filter: BoardFilter, limit: number): Promise<BoardCard[]> {
  const { rows } = await db.query(
    `select ${cardColumns}
     from task t join project p on p.id = t.project_id join agent a on a.id = t.agent_id
     where t.state <> all($6::"TaskState"[]) and ${filterSql}
     order by t.created_at desc, t.id desc
     limit $7`,
    [...filterParams(filter), archivable, limit],
  );
  return parseCards(rows);
}

const pageTotal = z.coerce.number().int();
/** A row of a finished page: a card with the count of every match, or only the count when the page is empty. */
const finishedPageRowSchema = z.union([z.object({ total: pageTotal, id: z.null() }), cardRowSchema.extend({ total: pageTotal })]);

/**
 * One page of tasks in the given final `states`, most recently updated first, after `cursor`;
 * archived ones only when `archived`, else only the others. `total` counts every match.
 */
export async function listFinishedCards(
  db: Queryable,
  opts: { states: readonly TaskState[]; filter: BoardFilter; archived: boolean; cursor?: BoardCursor; limit: number },
): Promise<{ items: BoardCard[]; total: number }> {
  const { rows } = await db.query(
    `with matching as (
       select t.id, t.updated_at from task t
       where t.state = any($6::"TaskState"[]) and (t.archived_at is not null) = $7 and ${filterSql}
     ),
     page as (
       select m.id from matching m
       where $8::timestamptz is null or (m.updated_at, m.id) < ($8::timestamptz, $9::uuid)
       order by m.updated_at desc, m.id desc
       limit $10
     )
     -- One row per card, each with the total; one row of nulls with the total when the page is empty.
     select c.total as "total", cards.* from (select count(*) as total from matching) c left join (
       select ${cardColumns}
       from page join task t on t.id = page.id join project p on p.id = t.project_id join agent a on a.id = t.agent_id
     ) cards on true
     order by cards."updatedAt" desc nulls last, cards."id"::uuid desc`,
    [...filterParams(opts.filter), opts.states, opts.archived, opts.cursor?.updatedAt ?? null, opts.cursor?.id ?? null, opts.limit],
  );
  const page = z.array(finishedPageRowSchema).parse(rows);
  const items = page.flatMap((row) => {
    if (row.id === null) return [];
    const { total: _total, ...card } = row;
    return [card];
  });
  return { items, total: page[0]?.total ?? 0 };
}

const archiveRowSchema = z.object({ state: taskStateSchema, archivedAt: z.date().nullable() });
export type ArchiveResult = { found: false } | ({ found: true } & z.infer<typeof archiveRowSchema>);

/**
 * Archives (`archive: true`) or unarchives one task when it is in a final state. Returns its state
 * and `archivedAt` afterwards (unchanged when the state does not allow it), or `found: false`.
 * A change sends a board notice (NOTIFY on the events channel, at commit) so other tabs refetch.
 */
export async function setTaskArchived(db: Queryable, id: string, archive: boolean): Promise<ArchiveResult> {
  const { rows } = await db.query(
    `with updated as (
       update task set archived_at = case when $2 then now() else null end
       where id = $1 and state = any($3::"TaskState"[]) and (archived_at is null) = $2
       returning archived_at, last_seq
     ),
     notified as (select pg_notify($4, json_build_object('taskId', $1::text, 'seq', last_seq)::text) from updated)
     -- The statement sees the row as it was before the update: take the new value from \`updated\`.
     select t.state::text as "state",
            case when exists (select 1 from updated) then (select archived_at from updated) else t.archived_at end as "archivedAt",
            (select count(*) from notified) as "notices"
     from task t where t.id = $1`,
    [id, archive, archivable, CHANNEL_EVENTS],
  );
  if (rows.length === 0) return { found: false };
  const parsed = archiveRowSchema.safeParse(rows[0]);
  if (!parsed.success) throw new Error(`The archived task ${id} did not parse: ${parsed.error.message}`);
  return { found: true, ...parsed.data };
}

const countSchema = z.object({ archived: z.coerce.number().int() });

/**
 * Archives every task in a final state that finished (or last changed) before `before`; returns how
 * many. Boards are told with one notice per project touched (not one per task): a notice about a
 * finished task makes a board refetch its columns.
 */
export async function archiveFinishedBefore(db: Queryable, before: Date, projectId?: string): Promise<number> {
  const { rows } = await db.query(
    `with updated as (
       update task set archived_at = now()
       where archived_at is null and state = any($1::"TaskState"[]) and coalesce(finished_at, updated_at) < $2
         and ($3::uuid is null or project_id = $3::uuid)
       returning id, project_id, last_seq
     ),
     notified as (
       select pg_notify($4, json_build_object('taskId', id::text, 'seq', last_seq)::text)
       from (select distinct on (project_id) id, last_seq from updated) one_per_project
     )
     select (select count(*) from updated) as "archived", (select count(*) from notified) as "notices"`,
    [archivable, before, projectId ?? null, CHANNEL_EVENTS],
  );
  return countSchema.parse(rows[0]).archived;
}

import type pg from "pg";
import type { PgBoss } from "pg-boss";
import { z } from "zod";
import { appendTaskEvents, sendTaskJob } from "../queue";
import { dependencyMetTaskStates, dependencyLostTaskStates, taskStateSchema, type TaskState } from "../schemas";
import { LifecycleNotFoundError, TaskLinkError } from "./errors";

/*
 * Subtasks and dependencies. A task may have a parent and may depend on other tasks of its
 * project; while a dependency has not reached review, applied or completed the task is `blocked`,
 * with a reason a person can read on its card. The transition that moves a dependency on (endTurn,
 * cancelTask) calls `settleDependents` in its own transaction: the last dependency to be met
 * queues the dependent there and then (its pg-boss job commits with the dependency's state); a
 * failed or cancelled dependency leaves the dependent blocked, saying so, for a person.
 */

/** How many tasks one task may depend on, and how many subtasks one parent may have. */
export const MAX_DEPENDENCIES = 20;
const MAX_SUBTASKS = 100;
/** How deep subtasks nest (a parent's parent's …). */
const MAX_SUBTASK_DEPTH = 8;

const shortTaskId = (id: string) => id.slice(0, 8);
const title = (prompt: string) => {
  const line = prompt.trim().split("\n")[0] ?? "";
  return line.length > 60 ? `${line.slice(0, 59)}…` : line;
};

const dependencySchema = z.object({ id: z.string(), projectId: z.string(), state: taskStateSchema, prompt: z.string() });
type Dependency = z.infer<typeof dependencySchema>;

const met = (state: TaskState) => (dependencyMetTaskStates as readonly string[]).includes(state);
const lost = (state: TaskState) => (dependencyLostTaskStates as readonly string[]).includes(state);

/**
 * Why a task with these dependencies may not run yet, or null when every one is met. A lost
 * dependency (failed, cancelled, discarded) is named first: the task then waits for a person.
 */
export function blockedReason(dependencies: readonly Pick<Dependency, "id" | "state" | "prompt">[]): string | null {
  const gone = dependencies.find((d) => lost(d.state));
  if (gone) return `#${shortTaskId(gone.id)} ${gone.state}: ${title(gone.prompt)} — start this task anyway or cancel it`;
  const waiting = dependencies.filter((d) => !met(d.state));
  if (waiting.length === 0) return null;
  const first = waiting[0]!;
  const more = waiting.length > 1 ? ` (and ${waiting.length - 1} more)` : "";
  return `waiting for #${shortTaskId(first.id)}: ${title(first.prompt)}${more}`;
}

/**
 * Checks a new task's parent and dependencies inside the creating transaction and returns its
 * blocked reason (null: it may queue now). The dependencies are read `for share`, so a dependency
 * cannot finish unseen between this read and the new task's commit: its own transition waits for
 * ours and then finds the new dependent.
 */
export async function checkTaskLinks(
  client: pg.PoolClient,
  input: { projectId: string; parentId?: string | undefined; dependsOn: readonly string[] },
): Promise<string | null> {
  const ancestors = new Set<string>();
  if (input.parentId) {
    const { rows } = await client.query(
      `with recursive up(id, project_id, parent_id, depth) as (
         select id, project_id, parent_id, 1 from task where id = $1
         union all select t.id, t.project_id, t.parent_id, up.depth + 1 from task t join up on t.id = up.parent_id where up.depth <= $2
       )
       select id, project_id as "projectId", depth,
              (select count(*)::int from task c where c.parent_id = $1) as "subtasks"
       from up order by depth`,
      [input.parentId, MAX_SUBTASK_DEPTH],
    );
    const chain = z.array(z.object({ id: z.string(), projectId: z.string(), depth: z.number().int(), subtasks: z.number().int() })).parse(rows);
    const parent = chain[0];
    if (!parent) throw new LifecycleNotFoundError("Task", input.parentId, `Parent task ${input.parentId} does not exist.`);
    if (parent.projectId !== input.projectId) throw new TaskLinkError(`Parent task ${input.parentId} belongs to another project; a subtask lives in its parent's project.`);
    if (chain.length > MAX_SUBTASK_DEPTH - 1) throw new TaskLinkError(`Subtasks nest at most ${MAX_SUBTASK_DEPTH} deep; make this one a subtask of a task higher up.`);
    if (parent.subtasks >= MAX_SUBTASKS) throw new TaskLinkError(`Task ${input.parentId} already has ${parent.subtasks} subtasks, the most one task may have.`);
    for (const row of chain) ancestors.add(row.id);
  }
  const ids = [...new Set(input.dependsOn)];
  if (ids.length === 0) return null;
  if (ids.length > MAX_DEPENDENCIES) throw new TaskLinkError(`A task depends on at most ${MAX_DEPENDENCIES} tasks; this one names ${ids.length}.`);
  const { rows } = await client.query(
    `select id, project_id as "projectId", state::text as state, prompt from task where id = any($1::uuid[]) order by id for share`,
    [ids],
  );
  const found = z.array(dependencySchema).parse(rows);
  const missing = ids.filter((id) => !found.some((d) => d.id === id));
  if (missing.length > 0) throw new LifecycleNotFoundError("Task", missing[0]!, `Task ${missing.join(", ")} does not exist; a task can only depend on existing tasks.`);
  const elsewhere = found.find((d) => d.projectId !== input.projectId);
  if (elsewhere) throw new TaskLinkError(`Task ${elsewhere.id} belongs to another project; a task depends only on tasks of its own project.`);
  // A parent waits for its subtasks: a subtask waiting for its parent (or the parent's parent …)
  // would wait forever. A new task has no dependents yet, so this is the only cycle it can close.
  const ancestor = found.find((d) => ancestors.has(d.id));
  if (ancestor) throw new TaskLinkError(`Task ${ancestor.id} is an ancestor of the new task; a subtask cannot depend on a task it is part of (that would be a cycle).`);
  return blockedReason(found);
}

/** Stores the new task's dependencies (after its row exists). */
export async function insertDependencies(client: pg.PoolClient, taskId: string, dependsOn: readonly string[]): Promise<void> {
  const ids = [...new Set(dependsOn)];
  if (ids.length === 0) return;
  await client.query(`insert into task_dependency (task_id, depends_on_id) select $1, unnest($2::uuid[])`, [taskId, ids]);
}

/** blocked → queued: writes the state, the event and sends the job, in the caller's transaction. */
export async function queueBlockedTask(client: pg.PoolClient, boss: PgBoss, taskId: string, reason: string): Promise<void> {
  const { rows } = await client.query(
    `update task set state = 'queued', blocked_reason = null, updated_at = now() where id = $1 and state = 'blocked' returning turn, agent_id as "agentId"`,
    [taskId],
  );
  const row = z.array(z.object({ turn: z.number().int(), agentId: z.string() })).parse(rows)[0];
  if (row === undefined) throw new Error(`task ${taskId} was not blocked when it was to be queued`);
  await appendTaskEvents(client, taskId, [{ type: "status", state: "queued", reason }], "queued");
  const jobId = await sendTaskJob(boss, client, { taskId, turn: row.turn }, row.agentId);
  await client.query(`update task set job_id = $2 where id = $1`, [taskId, jobId]);
}

/**
 * After `taskId` changed state (in this transaction): each blocked task depending on it queues
 * when all its dependencies are met, or gets its new reason (a dependency failed, or the next one
 * it waits for). Dependents are locked in id order, so two settling transactions cannot deadlock.
 */
export async function settleDependents(client: pg.PoolClient, boss: PgBoss, taskId: string): Promise<void> {
  const { rows } = await client.query(
    `select t.id, t.blocked_reason as "reason" from task_dependency d join task t on t.id = d.task_id
     where d.depends_on_id = $1 and t.state = 'blocked' order by t.id for update of t`,
    [taskId],
  );
  const dependents = z.array(z.object({ id: z.string(), reason: z.string().nullable() })).parse(rows);
  for (const dependent of dependents) {
    const deps = await client.query(
      `select x.id, x.project_id as "projectId", x.state::text as state, x.prompt
       from task_dependency d join task x on x.id = d.depends_on_id where d.task_id = $1 order by x.created_at, x.id`,
      [dependent.id],
    );
    const reason = blockedReason(z.array(dependencySchema).parse(deps.rows));
    if (reason === null) {
      await queueBlockedTask(client, boss, dependent.id, `dependencies met (#${shortTaskId(taskId)} finished its turn)`);
    } else if (reason !== dependent.reason) {
      await client.query(`update task set blocked_reason = $2, updated_at = now() where id = $1`, [dependent.id, reason]);
      await appendTaskEvents(client, dependent.id, [{ type: "status", state: "blocked", reason }], "blocked");
    }
  }
}

/** The task's subtasks, their subtasks and so on, in the given states, deepest last. */
export async function descendantsIn(client: pg.PoolClient, taskId: string, states: readonly TaskState[]): Promise<string[]> {
  const { rows } = await client.query(
    `with recursive down(id, depth) as (
       select id, 1 from task where parent_id = $1
       union all select t.id, down.depth + 1 from task t join down on t.parent_id = down.id where down.depth < $3
     )
     select down.id from down join task t on t.id = down.id where t.state::text = any($2) order by down.depth, down.id`,
    [taskId, states, MAX_SUBTASK_DEPTH],
  );
  return z.array(z.object({ id: z.string() })).parse(rows).map((r) => r.id);
}

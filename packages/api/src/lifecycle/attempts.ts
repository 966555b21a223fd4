import { randomUUID } from "node:crypto";
import type pg from "pg";
import type { PgBoss } from "pg-boss";
import { z } from "zod";
import { canBeCancelled, reviewTaskStates, taskStateSchema, type TaskState } from "../schemas";
import { AttemptAlreadyPickedError } from "./errors";
import { discardTaskChange, type ReviewTarget } from "./review";
import { cancelTask, createTask } from "./task";
import { lockTask } from "./task-row";

/*
 * Best-of-N: one prompt run by several agents (or several runs of one) as sibling tasks of one
 * attempt group, and what picking one of them does to the others.
 */

export type AttemptSpec = { agentId: string; model?: string | undefined; mode?: string | undefined };

/** Creates every attempt through `createTask`, in the caller's transaction: all are queued or none. */
export async function createAttempts(
  client: pg.PoolClient,
  boss: PgBoss,
  input: { projectId: string; prompt: string; attempts: readonly AttemptSpec[] },
): Promise<{ groupId: string; tasks: Array<{ id: string; attemptIndex: number; agentId: string; state: "queued" | "blocked"; createdAt: Date }> }> {
  const groupId = randomUUID();
  const tasks = [];
  for (const [i, attempt] of input.attempts.entries()) {
    const created = await createTask(client, boss, {
      projectId: input.projectId,
      prompt: input.prompt,
      agentId: attempt.agentId,
      model: attempt.model,
      mode: attempt.mode,
      attempt: { group: groupId, index: i + 1 },
    });
    tasks.push({ id: created.id, attemptIndex: i + 1, agentId: attempt.agentId, state: created.state, createdAt: created.createdAt });
  }
  return { groupId, tasks };
}

const pickedSchema = z.object({ id: z.string(), attemptIndex: z.number().int(), state: z.string(), prUrl: z.string().nullable() });

/**
 * Serialises picks within a group for the caller's transaction (an advisory lock on the group) and
 * refuses when another attempt was picked already: applied, or with a pull request open. Two people
 * picking different attempts at once therefore land one, and the second is told which.
 */
export async function lockGroupForPick(client: pg.PoolClient, input: { groupId: string; taskId: string }): Promise<void> {
  await client.query(`select pg_advisory_xact_lock(hashtextextended('wharf.attempt_group:' || $1, 0))`, [input.groupId]);
  const { rows } = await client.query(
    `select id, attempt_index as "attemptIndex", state::text as state, pr_url as "prUrl" from task
     where attempt_group = $1 and id <> $2 and (state = 'applied' or pr_url is not null)
     order by attempt_index limit 1`,
    [input.groupId, input.taskId],
  );
  const picked = z.array(pickedSchema).parse(rows)[0];
  if (!picked) return;
  const what = picked.state === "applied" ? "was applied" : `has a pull request open (${picked.prUrl})`;
  throw new AttemptAlreadyPickedError(
    input.groupId,
    picked.id,
    `Attempt ${picked.attemptIndex} of this group ${what}: it was picked already. To land this one as well, use change.apply (or change.openPullRequest) on it.`,
  );
}

/** What picking an attempt did to one of its siblings. */
export type SiblingOutcome = {
  taskId: string;
  attemptIndex: number;
  /** The sibling's state when it was looked at (under its row lock). */
  was: TaskState;
  action: "discarded" | "cancelled" | "cancelling" | "left";
  /** Said to a person: what happened and why. */
  note: string;
};

const siblingSchema = z.object({ id: z.string(), attemptIndex: z.number().int() });

/**
 * After `keepTaskId` was picked: each sibling in review is discarded, each one still blocked,
 * queued, running or waiting is cancelled, and the others (completed, failed, already applied or
 * discarded) are left as they are — nothing they hold is thrown away unasked. Siblings are locked
 * in attempt order, in the caller's transaction. Returns what happened to each, and the discarded
 * ones' review targets so that the caller removes their worktrees after commit.
 */
export async function settleSiblings(
  client: pg.PoolClient,
  boss: PgBoss,
  input: { groupId: string; keepTaskId: string; keepIndex: number; actor: string },
): Promise<{ siblings: SiblingOutcome[]; discarded: ReviewTarget[] }> {
  const { rows } = await client.query(
    `select id, attempt_index as "attemptIndex" from task where attempt_group = $1 and id <> $2 order by attempt_index, id`,
    [input.groupId, input.keepTaskId],
  );
  const picked = `attempt ${input.keepIndex} was picked`;
  const siblings: SiblingOutcome[] = [];
  const discarded: ReviewTarget[] = [];
  for (const row of z.array(siblingSchema).parse(rows)) {
    const task = await lockTask(client, row.id);
    const was = taskStateSchema.parse(task.state);
    const base = { taskId: row.id, attemptIndex: row.attemptIndex, was };
    if ((reviewTaskStates as readonly string[]).includes(was)) {
      discarded.push(await discardTaskChange(client, row.id, `discarded: ${picked}`));
      siblings.push({ ...base, action: "discarded", note: `its change was discarded (${picked})` });
    } else if (canBeCancelled(was)) {
      const { state } = await cancelTask(client, boss, { taskId: row.id, actor: `${input.actor} (${picked})` });
      siblings.push({ ...base, action: state, note: state === "cancelled" ? "cancelled before it ran to the end" : "asked to stop; it ends cancelled" });
    } else {
      siblings.push({ ...base, action: "left", note: `left as it was (${was}): only attempts in review are discarded and only live ones cancelled` });
    }
  }
  return { siblings, discarded };
}

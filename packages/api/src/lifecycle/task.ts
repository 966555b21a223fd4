import type pg from "pg";
import type { PgBoss } from "pg-boss";
import { z } from "zod";
import { appendTaskEvents, sendTaskJob } from "../queue";
import { blockedTaskStates, cancellableTaskStates, followUpTaskStates, liveTaskStates, runnerQueueFor, TASK_QUEUE, taskQueueFor, type ChangeFile, type TaskEvent } from "../schemas";
import { checkTaskLinks, descendantsIn, insertDependencies, queueBlockedTask, settleDependents } from "./dependencies";
import { TransitionRefusedError } from "./errors";
import { notifyControl } from "./notify-control";
import { lockTask, requireState } from "./task-row";
import { liveSql, MISSED_HEARTBEATS, noRunnerReason, runnerLiveWith } from "../queries/runner";

/*
 * Task transitions. Each runs inside the caller's transaction on `client`: it takes the task's
 * row lock, checks the state it starts from, writes the state and its columns, and appends the
 * status event (appendEvents NOTIFYs at commit).
 */

const pgBossDb = (client: pg.PoolClient) => ({ db: { executeSql: (text: string, values?: unknown[]) => client.query(text, values) } });

/**
 * → queued, or → blocked when it depends on tasks not yet in review, applied or completed: inserts
 * the task with its first events, its dependencies, and (queued) sends its job, all in the caller's
 * transaction.
 */
export async function createTask(
  client: pg.PoolClient,
  boss: PgBoss,
  input: {
    projectId: string;
    agentId: string;
    prompt: string;
    model?: string | undefined;
    mode?: string | undefined;
    parentId?: string | undefined;
    dependsOn?: readonly string[] | undefined;
    /** Best-of-N: the group of sibling attempts this task belongs to, and its place there (from 1). */
    attempt?: { group: string; index: number } | undefined;
  },
): Promise<{ id: string; createdAt: Date; state: "queued" | "blocked"; blockedReason: string | null }> {
  const dependsOn = input.dependsOn ?? [];
  const reason = await checkTaskLinks(client, { projectId: input.projectId, parentId: input.parentId, dependsOn });
  const state = reason === null ? "queued" : "blocked";
  const { rows } = await client.query(
    `insert into task (id, project_id, agent_id, prompt, model, mode, state, turn, parent_id, blocked_reason, attempt_group, attempt_index, updated_at)
     values (gen_random_uuid(), $1, $2, $3, $4, $5, $6::"TaskState", 0, $7, $8, $9, $10, now()) returning id, created_at as "createdAt"`,
    [
      input.projectId, input.agentId, input.prompt, input.model ?? null, input.mode ?? null, state, input.parentId ?? null, reason,
      input.attempt?.group ?? null, input.attempt?.index ?? null,
    ],
  );
  const created = z.array(z.object({ id: z.string(), createdAt: z.date() })).parse(rows)[0]!;
  await insertDependencies(client, created.id, dependsOn);
  // A task whose agent no live runner has waits for one: its card says so until a runner takes it.
  const waiting = state === "queued" ? await noRunnerReason(client, input.agentId) : null;
  await appendTaskEvents(client, created.id, [
    { type: "message", role: "user", text: input.prompt },
    { type: "status", state, reason: reason ?? waiting ?? "created" },
  ], state);
  if (state === "queued") {
    const jobId = await sendTaskJob(boss, client, { taskId: created.id, turn: 0 }, input.agentId);
    await client.query(`update task set job_id = $2 where id = $1`, [created.id, jobId]);
  }
  return { ...created, state, blockedReason: reason };
}

/** blocked → queued, as a person asks it: runs the task without waiting for its dependencies. */
export async function startTask(client: pg.PoolClient, boss: PgBoss, input: { taskId: string; actor: string }): Promise<void> {
  const task = await lockTask(client, input.taskId);
  requireState(task, "start", blockedTaskStates, (state) => `Task ${task.id} is ${state}; only a blocked task (waiting for its dependencies) can be started by hand.`);
  await queueBlockedTask(client, boss, input.taskId, `started by ${input.actor} without waiting for its dependencies`);
}

const claimedSchema = z.object({
  attempt: z.number().int(),
  turn: z.number().int(),
  pendingPrompt: z.string().nullable(),
});
export type ClaimedTask = z.infer<typeof claimedSchema>;

/**
 * queued → running, by a runner. A retried job (the previous runner stopped heartbeating) may also
 * take a task that is still running or waiting; its pending permission requests expire. A task
 * whose cancellation was requested is refused.
 */
export async function claimTask(
  client: pg.PoolClient,
  input: { taskId: string; runnerId: string; turn: number; retry: boolean },
): Promise<ClaimedTask> {
  const task = await lockTask(client, input.taskId);
  const allowed = input.retry ? liveTaskStates : (["queued"] as const);
  requireState(task, "claim", allowed, (state) => `Task ${task.id} is ${state}; a runner only picks up queued tasks.`);
  if (task.cancelRequested) {
    throw new TransitionRefusedError("task", task.id, "claim", task.state, allowed, `Task ${task.id} is being cancelled; no runner picks it up.`);
  }
  const { rows } = await client.query(
    `update task set state = 'running', runner_id = $2, updated_at = now(),
            attempt = attempt + (case when $3::int = 0 then 1 else 0 end),
            started_at = coalesce(started_at, now())
     where id = $1
     returning attempt, turn, pending_prompt as "pendingPrompt"`,
    [input.taskId, input.runnerId, input.turn],
  );
  const claimed = z.array(claimedSchema).parse(rows)[0]!;
  if (input.retry) {
    await client.query(`update permission_request set state = 'expired', answered_at = now() where task_id = $1 and state = 'pending'`, [input.taskId]);
  }
  const reason = input.retry
    ? `retrying (attempt ${claimed.attempt}) on runner ${input.runnerId} after the previous runner stopped`
    : `picked up by runner ${input.runnerId}`;
  await appendTaskEvents(client, input.taskId, [{ type: "status", state: "running", reason }], "running");
  return claimed;
}

/**
 * review | completed → queued: a follow-up prompt. The turn number goes up by one and the prompt
 * is kept on the row for the runner; the job is sent in the same transaction: to the queue of the
 * runner that ran the task when that runner is live and has the agent (its session may be parked
 * there), else to the agent's queue, for any runner (a new session, as after a restart).
 */
export async function followUp(client: pg.PoolClient, boss: PgBoss, input: { taskId: string; prompt: string }): Promise<{ turn: number }> {
  const task = await lockTask(client, input.taskId);
  requireState(task, "follow-up", followUpTaskStates, (state) => `Task ${task.id} is ${state}; follow-up prompts go to tasks in review (or completed without changes).`);
  const { rows } = await client.query(
    `update task set state = 'queued', turn = turn + 1, pending_prompt = $2, cancel_requested = false,
            finished_at = null, error = null, updated_at = now()
     where id = $1 returning turn`,
    [input.taskId, input.prompt],
  );
  const { turn } = z.array(z.object({ turn: z.number().int() })).parse(rows)[0]!;
  const parkedOn = task.runnerId !== null && (await runnerLiveWith(client, task.runnerId, task.agentId)) ? task.runnerId : null;
  const waiting = parkedOn === null ? await noRunnerReason(client, task.agentId) : null;
  const reason = parkedOn !== null ? `follow-up prompt, for runner ${parkedOn} where its session is` : waiting ? `follow-up prompt; ${waiting}` : "follow-up prompt";
  await appendTaskEvents(client, input.taskId, [
    { type: "message", role: "user", text: input.prompt },
    { type: "status", state: "queued", reason },
  ], "queued");
  const jobId = await sendTaskJob(boss, client, { taskId: input.taskId, turn }, task.agentId, parkedOn);
  await client.query(`update task set job_id = $2 where id = $1`, [input.taskId, jobId]);
  return { turn };
}

/**
 * Follow-ups waiting in the queue of a runner that is gone (killed or cut off after they were sent)
 * go to their agent's queue, for any runner with the agent: each job is cancelled and sent again in
 * one transaction, rows locked with SKIP LOCKED so runners doing this at once move each job once.
 * Live runners call it on their heartbeat. Returns how many moved.
 */
export async function rerouteFromGoneRunners(client: pg.PoolClient, boss: PgBoss): Promise<number> {
  const { rows } = await client.query(
    `select j.id::text as "jobId", j.name, t.id as "taskId", t.turn, t.agent_id as "agentId"
       from pgboss.job j
       join runner r on j.name = $2 || r.id
       join task t on t.job_id = j.id::text and t.state = 'queued'
      where j.state = 'created' and not (${liveSql("r", "$1")})
      for update of j, t skip locked`,
    [MISSED_HEARTBEATS, runnerQueueFor("")],
  );
  const orphans = z.array(z.object({ jobId: z.string(), name: z.string(), taskId: z.string(), turn: z.number().int(), agentId: z.string() })).parse(rows);
  for (const orphan of orphans) {
    await boss.cancel(orphan.name, orphan.jobId, pgBossDb(client));
    const jobId = await sendTaskJob(boss, client, { taskId: orphan.taskId, turn: orphan.turn }, orphan.agentId);
    await client.query(`update task set job_id = $2 where id = $1`, [orphan.taskId, jobId]);
    const waiting = await noRunnerReason(client, orphan.agentId);
    const reason = `its runner (${orphan.name.slice(runnerQueueFor("").length)}) is gone; for any runner with the agent${waiting ? `; ${waiting}` : ""}`;
    await appendTaskEvents(client, orphan.taskId, [{ type: "status", state: "queued", reason }], "queued");
  }
  return orphans.length;
}

/**
 * Cancel, as a person asks it. blocked | queued → cancelled in place (a queued task's job is
 * cancelled too); running or needs_input: the request is stored and the owning runner is told, and
 * the runner's end of the turn moves the task to cancelled (`endTurn`). With `withSubtasks`, every
 * subtask (and theirs) that can still be cancelled is cancelled the same way.
 */
export async function cancelTask(
  client: pg.PoolClient,
  boss: PgBoss,
  input: { taskId: string; actor: string; withSubtasks?: boolean | undefined },
): Promise<{ state: "cancelled" | "cancelling"; subtasks: number }> {
  const state = await cancelOne(client, boss, input.taskId, input.actor);
  if (!input.withSubtasks) return { state, subtasks: 0 };
  let subtasks = 0;
  for (const id of await descendantsIn(client, input.taskId, cancellableTaskStates)) {
    await cancelOne(client, boss, id, `${input.actor} (with its parent)`);
    subtasks += 1;
  }
  return { state, subtasks };
}

async function cancelOne(client: pg.PoolClient, boss: PgBoss, taskId: string, actor: string): Promise<"cancelled" | "cancelling"> {
  const task = await lockTask(client, taskId);
  requireState(task, "cancel", cancellableTaskStates, (state) => {
    const hint = state === "review" ? " To drop its change, use change.discard." : "";
    return `Task ${task.id} is ${state}; only blocked, queued, running or waiting tasks can be cancelled.${hint}`;
  });
  if (task.state === "queued" || task.state === "blocked") {
    await client.query(
      `update task set state = 'cancelled', cancel_requested = true, blocked_reason = null, finished_at = now(), updated_at = now() where id = $1`,
      [taskId],
    );
    await appendTaskEvents(client, taskId, [{ type: "status", state: "cancelled", reason: `cancelled by ${actor}` }], "cancelled");
    // Jobs sent before routing by agent are in TASK_QUEUE, follow-ups may be in the runner's queue;
    // cancelling an id a queue lacks does nothing.
    if (task.state === "queued" && task.jobId) {
      const queues = [taskQueueFor(task.agentId), TASK_QUEUE, ...(task.runnerId ? [runnerQueueFor(task.runnerId)] : [])];
      for (const queue of queues) await boss.cancel(queue, task.jobId, pgBossDb(client));
    }
    await settleDependents(client, boss, taskId);
    return "cancelled";
  }
  await client.query(`update task set cancel_requested = true, updated_at = now() where id = $1`, [taskId]);
  await notifyControl(client, { action: "cancel", taskId });
  return "cancelling";
}

/** What a turn left in the worktree, as the runner recorded it. */
export type TurnChange = {
  branch: string;
  baseCommit: string;
  headCommit: string;
  files: ChangeFile[];
  additions: number;
  deletions: number;
  diff: string;
};

export type TurnEnd =
  | { to: "review"; change: TurnChange }
  | { to: "completed"; change?: TurnChange | undefined }
  | { to: "failed"; message: string; detail?: string | undefined; change?: TurnChange | undefined }
  | { to: "cancelled"; reason: string; change?: TurnChange | undefined };

/**
 * running | needs_input → review | completed | failed | cancelled, by the runner at the end of a
 * turn. Stores the change (pending for review; the work of a failed or cancelled turn is kept as
 * a discarded change on its branch). Review and completed keep the worktree for a follow-up.
 * Tasks that depend on this one are settled in the same transaction: queued when this was their
 * last unmet dependency, told when it failed or was cancelled.
 */
export async function endTurn(client: pg.PoolClient, boss: PgBoss, taskId: string, end: TurnEnd): Promise<{ changeId: string | null }> {
  const task = await lockTask(client, taskId);
  requireState(task, end.to === "review" || end.to === "completed" ? "finish" : end.to === "failed" ? "fail" : "cancel (runner)", ["running", "needs_input"], (state) => `Task ${task.id} is ${state}; only a running or waiting task can end its turn.`);
  const events: TaskEvent[] = [];
  let changeId: string | null = null;
  if (end.change) {
    const c = end.change;
    const { rows } = await client.query(
      `insert into change (id, task_id, branch, base_commit, head_commit, files, additions, deletions, diff, state, updated_at)
       values (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7, $8, $9, now())
       on conflict (task_id) do update set base_commit = excluded.base_commit, head_commit = excluded.head_commit, files = excluded.files, additions = excluded.additions,
         deletions = excluded.deletions, diff = excluded.diff, state = excluded.state, message = null, updated_at = now()
       returning id`,
      [taskId, c.branch, c.baseCommit, c.headCommit, JSON.stringify(c.files), c.additions, c.deletions, c.diff, end.to === "review" ? "pending" : "discarded"],
    );
    changeId = z.array(z.object({ id: z.string() })).parse(rows)[0]!.id;
    // The change's base is the task's (a partial apply, a rebase or a merged base branch moves it).
    await client.query(`update task set base_commit = $2 where id = $1 and base_commit is distinct from $2`, [taskId, c.baseCommit]);
    if (end.to === "review") events.push({ type: "change_ready", changeId, files: c.files.length, additions: c.additions, deletions: c.deletions });
  }
  if (end.to === "failed") events.push({ type: "error", message: end.message, ...(end.detail ? { detail: end.detail } : {}) });
  const reason =
    end.to === "cancelled" ? end.reason : end.to === "failed" ? "the agent failed" : end.to === "review" ? "ready for review" : "finished without changes";
  events.push({ type: "status", state: end.to, reason });
  const keepWorktree = end.to === "review" || end.to === "completed";
  await client.query(
    `update task set state = $2::"TaskState", error = $3, updated_at = now(),
            worktree_path = case when $4 then worktree_path else null end,
            finished_at = case when $2::text in ('failed', 'cancelled', 'completed') then now() else null end
     where id = $1`,
    [taskId, end.to, end.to === "failed" ? end.message : null, keepWorktree],
  );
  await appendTaskEvents(client, taskId, events, end.to);
  await settleDependents(client, boss, taskId);
  return { changeId };
}

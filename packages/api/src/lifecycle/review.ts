import type pg from "pg";
import { z } from "zod";
import { appendTaskEvents } from "../queue";
import { reviewTaskStates, type TaskEvent } from "../schemas";
import { LifecycleNotFoundError } from "./errors";
import { notifyControl } from "./notify-control";
import type { TurnChange } from "./task";
import { lockTask, requireState } from "./task-row";

/*
 * A person's decisions on a task in review: apply (all of its change or part), discard, rebase,
 * push and open a pull request. Each holds the task's row lock from the state check to its
 * writes, so a follow-up prompt (which takes the same lock) either comes first and the decision
 * is refused, or comes after and sees what the decision left.
 */

const reviewTargetSchema = z.object({
  id: z.string(),
  prompt: z.string(),
  summary: z.string().nullable(),
  worktreePath: z.string().nullable(),
  branch: z.string().nullable(),
  /** The remote branch the task was last pushed to. */
  pushedBranch: z.string().nullable(),
  /** The commit last pushed there. */
  pushedCommit: z.string().nullable(),
  projectId: z.string(),
  repoPath: z.string(),
  baseBranch: z.string(),
  /** The project has a teardown script: the runner that owns the worktree removes it (see `release`). */
  hasTeardown: z.boolean(),
  /** The runner's own clone the task worked in (another host's disk); null: the project's repository. */
  workRepo: z.string().nullable(),
  /** The project's clone URL, where the task's base can be fetched from. */
  cloneUrl: z.string().nullable(),
  /** repoPath is the web host's own clone of cloneUrl: applied changes are pushed back there. */
  repoManaged: z.boolean(),
  change: z
    .object({ id: z.string(), branch: z.string(), baseCommit: z.string(), headCommit: z.string() })
    .nullable(),
});
/** The task in review and its change, as the review transitions need them. */
export type ReviewTarget = z.infer<typeof reviewTargetSchema> & { change: NonNullable<z.infer<typeof reviewTargetSchema>["change"]> };

const stateRule = (taskId: string) => (state: string) => `Task ${taskId} is ${state}; only tasks in review can be applied, discarded, rebased or pushed.`;

async function lockForReview(client: pg.PoolClient, taskId: string, transition: string): Promise<ReviewTarget> {
  const task = await lockTask(client, taskId);
  const { rows } = await client.query(
    `select t.id, t.prompt, t.summary, t.worktree_path as "worktreePath", t.branch, t.pushed_branch as "pushedBranch", t.pushed_commit as "pushedCommit", p.id as "projectId", p.repo_path as "repoPath",
            p.base_branch as "baseBranch", coalesce(btrim(p.teardown_script), '') <> '' as "hasTeardown",
            t.work_repo as "workRepo", p.clone_url as "cloneUrl", p.repo_managed as "repoManaged",
            case when c.id is null then null
                 else json_build_object('id', c.id, 'branch', c.branch, 'baseCommit', c.base_commit, 'headCommit', c.head_commit) end as change
     from task t join project p on p.id = t.project_id left join change c on c.task_id = t.id
     where t.id = $1`,
    [taskId],
  );
  const target = z.array(reviewTargetSchema).parse(rows)[0]!;
  if (!target.change) throw new LifecycleNotFoundError("Change", taskId, `Task ${taskId} has no change to review.`);
  requireState(task, transition, reviewTaskStates, stateRule(taskId));
  return { ...target, change: target.change };
}

/**
 * The runner removes the worktree and branch on `release` when the project has a teardown script
 * (it runs there) or the worktree is in the runner's own clone (only it can reach that disk).
 */
const runnerRemoves = (target: ReviewTarget) => target.hasTeardown || target.workRepo !== null;

/** What is left on the task branch after a partial apply, as a change to review. */
export type RemainingChange = TurnChange & { applied: string[] };

export type ApplyOutcome =
  | { ok: true; commit: string; rest?: RemainingChange | undefined }
  | { ok: false; reason: string; message: string };

/**
 * review → applied. `apply` puts the change onto the project (git) while the row lock is held;
 * when it cannot, the change records why (conflict) and the task stays in review. A partial
 * apply (`rest` in the outcome) keeps the task in review with the rest as its change, on the
 * same worktree; a whole one tells the runner that the worktree goes (a parked agent stops).
 */
export async function applyTaskChange(
  client: pg.PoolClient,
  taskId: string,
  apply: (target: ReviewTarget) => Promise<ApplyOutcome>,
): Promise<{ target: ReviewTarget; outcome: ApplyOutcome }> {
  const target = await lockForReview(client, taskId, "apply");
  const outcome = await apply(target);
  if (!outcome.ok) {
    await client.query(`update change set state = $2::"ChangeState", message = $3, updated_at = now() where id = $1`, [
      target.change.id,
      outcome.reason === "conflict" ? "conflict" : "pending",
      outcome.message,
    ]);
    return { target, outcome };
  }
  if (outcome.rest) {
    const rest = outcome.rest;
    await replaceChange(client, target, rest);
    const count = (n: number) => `${n} ${n === 1 ? "file" : "files"}`;
    await appendTaskEvents(client, taskId, [
      { type: "status", state: "review", reason: `applied ${count(rest.applied.length)} to ${target.baseBranch} as ${outcome.commit.slice(0, 12)}; ${count(rest.files.length)} left to review` },
      ...changeEvents(target.change.id, rest),
    ], "review");
    return { target, outcome };
  }
  await client.query(`update change set state = 'applied', applied_commit = $2, message = null, updated_at = now() where id = $1`, [target.change.id, outcome.commit]);
  await client.query(`update task set state = 'applied', updated_at = now(), finished_at = now() where id = $1`, [taskId]);
  await appendTaskEvents(client, taskId, [{ type: "status", state: "applied", reason: `applied to ${target.baseBranch} as ${outcome.commit.slice(0, 12)}` }], "applied");
  await notifyControl(client, { action: "release", taskId, remove: runnerRemoves(target) });
  return { target, outcome };
}

/**
 * review → discarded; the caller removes the worktree and branch after commit. The runner stops a
 * parked agent. `reason` is what the timeline says (default: "discarded").
 */
export async function discardTaskChange(client: pg.PoolClient, taskId: string, reason = "discarded"): Promise<ReviewTarget> {
  const target = await lockForReview(client, taskId, "discard");
  await client.query(`update change set state = 'discarded', updated_at = now() where id = $1`, [target.change.id]);
  await client.query(`update task set state = 'discarded', updated_at = now(), finished_at = now() where id = $1`, [taskId]);
  await appendTaskEvents(client, taskId, [{ type: "status", state: "discarded", reason }], "discarded");
  await notifyControl(client, { action: "release", taskId, remove: runnerRemoves(target) });
  return target;
}

export type RebaseOutcome =
  | { ok: true; rebased: false }
  | { ok: true; rebased: true; change: TurnChange }
  | { ok: false; reason: string; message: string; files: string[] };

/**
 * review → review on the base branch's current tip. `rebase` moves the task branch and its
 * worktree (git) while the row lock is held; a rebased change replaces the stored one and
 * becomes the task's new base. A refused rebase (conflict, dirty worktree) changes nothing here.
 */
export async function rebaseTaskChange(
  client: pg.PoolClient,
  taskId: string,
  rebase: (target: ReviewTarget) => Promise<RebaseOutcome>,
): Promise<{ target: ReviewTarget; outcome: RebaseOutcome }> {
  const target = await lockForReview(client, taskId, "rebase");
  const outcome = await rebase(target);
  if (outcome.ok && outcome.rebased) {
    await replaceChange(client, target, outcome.change);
    await appendTaskEvents(client, taskId, [
      { type: "status", state: "review", reason: `rebased onto ${target.baseBranch} (${outcome.change.baseCommit.slice(0, 12)})` },
      ...changeEvents(target.change.id, outcome.change),
    ], "review");
  }
  return { target, outcome };
}

export type PublishOutcome = { pushedBranch: string; pushedCommit: string; pullRequest?: { url: string; number: number } | undefined };

/**
 * Push (and open a pull request for) a task in review. `publish` talks to the remote and the
 * forge while the row lock is held; what it reports is recorded on the task. When it throws,
 * nothing is recorded.
 */
export async function publishTaskChange<T extends PublishOutcome>(
  client: pg.PoolClient,
  taskId: string,
  transition: "push" | "open pull request",
  publish: (target: ReviewTarget) => Promise<T>,
): Promise<{ target: ReviewTarget; outcome: T }> {
  const target = await lockForReview(client, taskId, transition);
  const outcome = await publish(target);
  await client.query(
    `update task set pushed_branch = $2, pushed_commit = $3, pr_url = coalesce($4, pr_url), pr_number = coalesce($5, pr_number), updated_at = now()
     where id = $1`,
    [taskId, outcome.pushedBranch, outcome.pushedCommit, outcome.pullRequest?.url ?? null, outcome.pullRequest?.number ?? null],
  );
  await appendTaskEvents(client, taskId, [{ type: "review", subject: "pull_request" }]);
  return { target, outcome };
}

/** The task's change becomes `change` (after a partial apply or a rebase): its new base is the task's base. */
async function replaceChange(client: pg.PoolClient, target: ReviewTarget, change: TurnChange): Promise<void> {
  await client.query(
    `update change set base_commit = $2, head_commit = $3, files = $4, additions = $5, deletions = $6, diff = $7,
            state = 'pending', message = null, updated_at = now()
     where id = $1`,
    [target.change.id, change.baseCommit, change.headCommit, JSON.stringify(change.files), change.additions, change.deletions, change.diff],
  );
  await client.query(`update task set base_commit = $2, updated_at = now() where id = $1`, [target.id, change.baseCommit]);
}

function changeEvents(changeId: string, change: TurnChange): TaskEvent[] {
  return [
    { type: "change_ready", changeId, files: change.files.length, additions: change.additions, deletions: change.deletions },
    { type: "review", subject: "change" },
  ];
}

import type pg from "pg";
import { z } from "zod";
import { appendTaskEvents } from "../queue";
import { reviewTaskStates } from "../schemas";
import { LifecycleNotFoundError } from "./errors";
import { lockTask, requireState } from "./task-row";

/*
 * A person's decision on a task in review: apply or discard its change. Both hold the task's row
 * lock from the state check to the state write, so a follow-up prompt (which takes the same lock)
 * either comes first and the decision is refused, or comes after and is refused itself.
 */

const reviewTargetSchema = z.object({
  id: z.string(),
  prompt: z.string(),
  worktreePath: z.string().nullable(),
  branch: z.string().nullable(),
  repoPath: z.string(),
  baseBranch: z.string(),
  change: z
    .object({ id: z.string(), branch: z.string(), baseCommit: z.string(), headCommit: z.string() })
    .nullable(),
});
/** The task in review and its change, as apply and discard need them. */
export type ReviewTarget = z.infer<typeof reviewTargetSchema> & { change: NonNullable<z.infer<typeof reviewTargetSchema>["change"]> };

async function lockForReview(client: pg.PoolClient, taskId: string, transition: "apply" | "discard"): Promise<ReviewTarget> {
  const task = await lockTask(client, taskId);
  const { rows } = await client.query(
    `select t.id, t.prompt, t.worktree_path as "worktreePath", t.branch, p.repo_path as "repoPath", p.base_branch as "baseBranch",
            case when c.id is null then null
                 else json_build_object('id', c.id, 'branch', c.branch, 'baseCommit', c.base_commit, 'headCommit', c.head_commit) end as change
     from task t join project p on p.id = t.project_id left join change c on c.task_id = t.id
     where t.id = $1`,
    [taskId],
  );
  const target = z.array(reviewTargetSchema).parse(rows)[0]!;
  if (!target.change) throw new LifecycleNotFoundError("Change", taskId, `Task ${taskId} has no change to review.`);
  requireState(task, transition, reviewTaskStates, (state) => `Task ${taskId} is ${state}; only tasks in review can be applied or discarded.`);
  return { ...target, change: target.change };
}

export type ApplyOutcome = { ok: true; commit: string } | { ok: false; reason: string; message: string };

/**
 * review → applied. `apply` puts the change onto the project (git) while the row lock is held;
 * when it cannot, the change records why (conflict) and the task stays in review.
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
  await client.query(`update change set state = 'applied', applied_commit = $2, message = null, updated_at = now() where id = $1`, [target.change.id, outcome.commit]);
  await client.query(`update task set state = 'applied', updated_at = now(), finished_at = now() where id = $1`, [taskId]);
  await appendTaskEvents(client, taskId, [{ type: "status", state: "applied", reason: `applied to ${target.baseBranch} as ${outcome.commit.slice(0, 12)}` }], "applied");
  return { target, outcome };
}

/** review → discarded; the caller removes the worktree and branch after commit. */
export async function discardTaskChange(client: pg.PoolClient, taskId: string): Promise<ReviewTarget> {
  const target = await lockForReview(client, taskId, "discard");
  await client.query(`update change set state = 'discarded', updated_at = now() where id = $1`, [target.change.id]);
  await client.query(`update task set state = 'discarded', updated_at = now(), finished_at = now() where id = $1`, [taskId]);
  await appendTaskEvents(client, taskId, [{ type: "status", state: "discarded", reason: "discarded" }], "discarded");
  return target;
}

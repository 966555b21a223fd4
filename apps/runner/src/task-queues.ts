import type pg from "pg";
import type { Job, PgBoss } from "pg-boss";
import { taskCaps } from "@wharf/api/runners";
import { ensureRunnerQueue, ensureTaskQueue, wakeQueue } from "@wharf/api/task-queue";
import { TASK_QUEUE, taskJobSchema, taskQueueFor } from "@wharf/api/schemas";
import type { Logger } from "./agents/transport";
import { withFleetSlots, type Cap } from "./fleet-slots";
import type { HostAgent } from "./registry";
import { Slots } from "./slots";

export type TaskQueuesOptions = {
  boss: PgBoss;
  pool: pg.Pool;
  /** For the fleet-wide caps' own connections. */
  databaseUrl: string;
  /** This runner: it also works its own queue (follow-ups of sessions parked here). */
  runnerId: string;
  /** Tasks this runner runs at once, over every agent's queue. */
  concurrency: number;
  handle: (job: Job<unknown>) => Promise<void>;
  log: Logger;
};

/**
 * The queues this runner works: one per agent its host has (`wharf-task.<agent>`), its own
 * (`wharf-runner.<id>`: follow-ups of tasks whose agent session is parked here), plus the old
 * shared queue for jobs sent before routing by agent.
 *
 * An agent's fleet-wide cap is kept twice, both in the database: its worker passes the cap as
 * pg-boss `groupConcurrency` (its jobs are one group), so a runner does not fetch a job while that
 * many are active; that check is not atomic across runners fetching at the same moment (each
 * sees none active and both claim), so a fetched job then takes one of the cap's advisory-lock
 * slots (withFleetSlots) before it runs, waiting for one when all are taken. A project's cap is
 * only the advisory-lock slots (its jobs are spread over agents' queues). Caps are read from the
 * database for each job. When a capped job ends it is completed at once and the agent's queue is
 * woken on every runner (pg-boss's own NOTIFY), so the job pg-boss held back starts now rather
 * than at the next fetch.
 *
 * Every queue's worker may hold `concurrency` jobs; one set of slots keeps the runner at
 * `concurrency` running tasks overall. A job fetched while the slots are full waits here, claimed.
 */
export class TaskQueues {
  private readonly slots: Slots;
  /** agent id → the cap its worker was started with. */
  private readonly working = new Map<string, number | null>();
  private syncing: Promise<void> = Promise.resolve();

  constructor(private readonly opts: TaskQueuesOptions) {
    this.slots = new Slots(opts.concurrency);
  }

  private async work(queue: string, groupConcurrency: number | null): Promise<void> {
    await this.opts.boss.work(
      queue,
      {
        localConcurrency: this.opts.concurrency,
        batchSize: 1,
        // NOTIFY wakes the runner for new jobs and when a cap's place frees; the 5 s fetch is only
        // the backstop that also picks up jobs pg-boss put back for retry after another runner died.
        notifyPollingIntervalSeconds: 5,
        pollingIntervalSeconds: 5,
        ...(groupConcurrency !== null ? { groupConcurrency } : {}),
      },
      async (jobs) => {
        for (const job of jobs) await this.run(queue, job);
      },
    );
  }

  private async run(queue: string, job: Job<unknown>): Promise<void> {
    const data = taskJobSchema.safeParse(job.data);
    const caps = data.success ? await taskCaps(this.opts.pool, data.data.taskId) : null;
    const run = () => this.slots.run(() => this.opts.handle(job));
    if (!caps || (caps.agentCap === null && caps.projectCap === null)) return run();
    const held: Cap[] = [];
    if (caps.agentCap !== null) held.push({ key: `wharf-agent-cap:${caps.agentId}`, cap: caps.agentCap });
    if (caps.projectCap !== null) held.push({ key: `wharf-project-cap:${caps.projectId}`, cap: caps.projectCap });
    await withFleetSlots(this.opts.databaseUrl, held, this.opts.log, run);
    if (caps.agentCap === null) return;
    // The slots are free now; so is the group's place once the job is complete (pg-boss's own
    // completion after this handler then finds nothing to do).
    await this.opts.boss.complete(queue, job.id);
    await wakeQueue(this.opts.pool, taskQueueFor(caps.agentId));
  }

  /** Starts the shared queue's worker, this runner's own and those of `agents`. */
  async start(agents: HostAgent[]): Promise<void> {
    await this.work(TASK_QUEUE, null);
    await this.work(await ensureRunnerQueue(this.opts.boss, this.opts.runnerId), null);
    await this.sync(agents);
  }

  /** Works the queues of `agents` from now on: new ones start, gone ones stop, a changed cap restarts its worker. */
  sync(agents: HostAgent[]): Promise<void> {
    this.syncing = this.syncing.then(async () => {
      const wanted = new Map(agents.map((a) => [a.id, a.maxRunning]));
      for (const [id, cap] of [...this.working]) {
        if (wanted.has(id) && wanted.get(id) === cap) continue;
        // Jobs under way finish; the worker only stops fetching.
        await this.opts.boss.offWork(await ensureTaskQueue(this.opts.boss, id), { wait: false });
        this.working.delete(id);
      }
      for (const [id, cap] of wanted) {
        if (this.working.has(id)) continue;
        await this.work(await ensureTaskQueue(this.opts.boss, id), cap);
        this.working.set(id, cap);
      }
      this.opts.log.info("working the queues of", { agents: [...this.working].map(([id, cap]) => (cap === null ? id : `${id} (at most ${cap} fleet-wide)`)) });
    });
    return this.syncing;
  }

  idle(): Promise<void> {
    return this.syncing;
  }
}

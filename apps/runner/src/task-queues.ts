import type { Job, PgBoss } from "pg-boss";
import { ensureTaskQueue } from "@wharf/api/task-queue";
import { TASK_QUEUE } from "@wharf/api/schemas";
import type { Logger } from "./agents/transport";
import type { HostAgent } from "./registry";

/** Up to `size` holders at once; the rest wait in order. */
class Slots {
  private used = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly size: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.used >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.used += 1;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.used -= 1;
    }
  }
}

export type TaskQueuesOptions = {
  boss: PgBoss;
  /** Tasks this runner runs at once, over every agent's queue. */
  concurrency: number;
  handle: (job: Job<unknown>) => Promise<void>;
  log: Logger;
};

/**
 * The queues this runner works: one per agent its host has (`wharf-task.<agent>`), plus the old
 * shared queue for jobs sent before routing by agent. Each agent's worker passes the agent's
 * fleet-wide cap as pg-boss `groupConcurrency` (its jobs are one group): the fetch itself, in the
 * database, refuses a job while that many of the group are active on any runner.
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
        // NOTIFY wakes the runner for new jobs; the 5 s fetch is only the backstop that also picks
        // up jobs pg-boss put back for retry after another runner died, or held back by a cap.
        notifyPollingIntervalSeconds: 5,
        pollingIntervalSeconds: 2,
        ...(groupConcurrency !== null ? { groupConcurrency } : {}),
      },
      async (jobs) => {
        for (const job of jobs) await this.slots.run(() => this.opts.handle(job));
      },
    );
  }

  /** Starts the shared queue's worker and those of `agents`. */
  async start(agents: HostAgent[]): Promise<void> {
    await this.work(TASK_QUEUE, null);
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

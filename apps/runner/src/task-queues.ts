import pg from "pg";
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

/**
 * Runs `fn` holding one of an agent's `cap` fleet-wide slots: PostgreSQL advisory locks
 * (agent, slot), taken on a connection of their own that lives as long as the task. A runner that
 * dies loses its connection, and with it its slots, at once.
 */
async function withFleetSlot<T>(databaseUrl: string, agentId: string, cap: number, fn: () => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: "wharf-runner-cap" });
  await client.connect();
  try {
    const key = `wharf-agent-cap:${agentId}`;
    let slot = -1;
    for (let i = 0; i < cap && slot < 0; i++) {
      const { rows } = await client.query<{ ok: boolean }>(`select pg_try_advisory_lock(hashtext($1), $2) as ok`, [key, i]);
      if (rows[0]?.ok) slot = i;
    }
    if (slot < 0) {
      // Every slot is taken: wait (in the database, no polling) for one of them.
      slot = Math.floor(Math.random() * cap);
      await client.query(`select pg_advisory_lock(hashtext($1), $2)`, [key, slot]);
    }
    return await fn();
  } finally {
    // Ending the session releases its advisory locks.
    await client.end().catch(() => undefined);
  }
}

export type TaskQueuesOptions = {
  boss: PgBoss;
  /** For the fleet-wide caps' own connections. */
  databaseUrl: string;
  /** Tasks this runner runs at once, over every agent's queue. */
  concurrency: number;
  handle: (job: Job<unknown>) => Promise<void>;
  log: Logger;
};

/**
 * The queues this runner works: one per agent its host has (`wharf-task.<agent>`), plus the old
 * shared queue for jobs sent before routing by agent.
 *
 * An agent's fleet-wide cap is kept twice, both in the database: its worker passes the cap as
 * pg-boss `groupConcurrency` (its jobs are one group), so a runner does not fetch a job while that
 * many are active; that check is not atomic across runners fetching at the same moment (each
 * sees none active and both claim), so a fetched job then takes one of the cap's advisory-lock
 * slots (withFleetSlot) before it runs, waiting for one when all are taken.
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

  private async work(queue: string, agentId: string | null, groupConcurrency: number | null): Promise<void> {
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
        for (const job of jobs) {
          const run = () => this.slots.run(() => this.opts.handle(job));
          await (agentId !== null && groupConcurrency !== null ? withFleetSlot(this.opts.databaseUrl, agentId, groupConcurrency, run) : run());
        }
      },
    );
  }

  /** Starts the shared queue's worker and those of `agents`. */
  async start(agents: HostAgent[]): Promise<void> {
    await this.work(TASK_QUEUE, null, null);
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
        await this.work(await ensureTaskQueue(this.opts.boss, id), id, cap);
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

import { PgBoss } from "pg-boss";
import { runnerQueueFor, TASK_QUEUE, taskQueueFor } from "./schemas";

/*
 * The task queue, shared by the sender (API) and the consumer (runner). Kept apart from
 * services.ts so the runner does not load the Prisma client.
 */

/** Queue settings shared by the sender (API) and the consumer (runner). */
export const taskQueueOptions = {
  notify: true,
  // A runner that stops heartbeating (killed, partitioned) loses the job within this bound.
  heartbeatSeconds: 10,
  // Agent runs may wait on a person for a long time; heartbeats, not expiry, detect dead runners.
  expireInSeconds: 24 * 3600, // pg-boss maximum; a turn that waits on a person longer than a day is failed
  retryLimit: 1,
  retryDelay: 0,
} as const;

export async function createBoss(databaseUrl: string, role: "api" | "runner"): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: databaseUrl,
    useListenNotify: role === "runner",
    instanceName: `wharf-${role}`,
    // Two connections each: the runner's were four, every one kept busy by supervision, monitoring
    // and fetches (so never closed idle) at 6-9 MiB of PSS a backend; two hold the same dispatch
    // and throughput figures and kept the idle footprint under 200 MiB (201 -> 186).
    max: 2,
    // Runners supervise: a job whose runner stopped heartbeating is failed (and retried) within
    // heartbeatSeconds plus this interval.
    ...(role === "api" ? { supervise: false, schedule: false } : { superviseIntervalSeconds: 5, monitorIntervalSeconds: 5 }),
  });
  boss.on("error", (error: unknown) => {
    console.error(`[pg-boss ${role}]`, error);
  });
  await boss.start();
  await boss.createQueue(TASK_QUEUE, taskQueueOptions);
  return boss;
}

const created = new WeakMap<PgBoss, Set<string>>();

/** Creates the agent's task queue once per boss (pg-boss's createQueue is idempotent, this saves the round trips). */
export function ensureTaskQueue(boss: PgBoss, agentId: string): Promise<string> {
  return ensureQueue(boss, taskQueueFor(agentId));
}

/** Creates the runner's own queue (follow-ups for sessions parked there) once per boss. */
export function ensureRunnerQueue(boss: PgBoss, runnerId: string): Promise<string> {
  return ensureQueue(boss, runnerQueueFor(runnerId));
}

async function ensureQueue(boss: PgBoss, name: string): Promise<string> {
  let names = created.get(boss);
  if (!names) created.set(boss, (names = new Set()));
  if (!names.has(name)) {
    await boss.createQueue(name, taskQueueOptions);
    names.add(name);
  }
  return name;
}

/**
 * pg-boss's LISTEN channel for its default schema `pgboss` (pg-boss's own `notifyChannelSql`,
 * which it does not export). A NOTIFY there carrying a queue's name wakes every worker of that
 * queue, in every process, to fetch at once.
 */
const PGBOSS_CHANNEL_SQL = `'pgboss_' || left(encode(sha224('pgboss'::bytea), 'hex'), 24)`;

/** Wakes every worker of `queue` fleet-wide: for jobs pg-boss held back (a cap's group was full) when a place frees. */
export async function wakeQueue(db: { query(text: string, values?: unknown[]): Promise<unknown> }, queue: string): Promise<void> {
  await db.query(`select pg_notify(${PGBOSS_CHANNEL_SQL}, $1)`, [queue]);
}

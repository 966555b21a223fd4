import { PgBoss } from "pg-boss";
import { TASK_QUEUE, taskQueueFor } from "./schemas";

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
    max: role === "runner" ? 4 : 2,
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
export async function ensureTaskQueue(boss: PgBoss, agentId: string): Promise<string> {
  const name = taskQueueFor(agentId);
  let names = created.get(boss);
  if (!names) created.set(boss, (names = new Set()));
  if (!names.has(name)) {
    await boss.createQueue(name, taskQueueOptions);
    names.add(name);
  }
  return name;
}

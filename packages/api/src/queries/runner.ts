import type { Queryable } from "@wharf/db/pg";
import { CHANNEL_RUNNERS } from "@wharf/db/channels";
import { z } from "zod";

export { AGENTS_CHANGED } from "./agent";

/** A runner counts as gone after this many heartbeat intervals without one (a killed process sends no goodbye). */
export const MISSED_HEARTBEATS = 3;

/** SQL: runner `r` is live, not stopped and heard from within `missed` (the parameter holding MISSED_HEARTBEATS) intervals, by the database's clock. */
export const liveSql = (r: string, missed: string) => `${r}.stopped_at is null and ${r}.heartbeat_at > now() - make_interval(secs => ${r}.heartbeat_ms * ${missed} / 1000.0)`;

export type RunnerRegistration = {
  id: string;
  hostname: string;
  pid: number;
  version: string;
  concurrency: number;
  heartbeatMs: number;
  agents: string[];
  sandbox: { on: boolean; mode: string; reason: string };
};

const notify = (db: Queryable, id: string) => db.query(`select pg_notify($1, $2)`, [CHANNEL_RUNNERS, id]);

/** The runner's row as it starts (a restarted runner with a fixed WHARF_RUNNER_ID takes its row over), then a NOTIFY. */
export async function registerRunner(db: Queryable, r: RunnerRegistration): Promise<void> {
  await db.query(
    `insert into runner (id, hostname, pid, version, concurrency, heartbeat_ms, agents, sandbox_on, sandbox_mode, sandbox_reason)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     on conflict (id) do update set hostname = excluded.hostname, pid = excluded.pid, version = excluded.version,
       concurrency = excluded.concurrency, heartbeat_ms = excluded.heartbeat_ms, agents = excluded.agents,
       sandbox_on = excluded.sandbox_on, sandbox_mode = excluded.sandbox_mode, sandbox_reason = excluded.sandbox_reason,
       started_at = now(), heartbeat_at = now(), stopped_at = null`,
    [r.id, r.hostname, r.pid, r.version, r.concurrency, r.heartbeatMs, r.agents, r.sandbox.on, r.sandbox.mode, r.sandbox.reason],
  );
  await notify(db, r.id);
}

/** A heartbeat: the time, and the agents found on the host now (one may have been installed meanwhile). */
export async function heartbeatRunner(db: Queryable, id: string, agents: string[]): Promise<void> {
  await db.query(`update runner set heartbeat_at = now(), agents = $2, stopped_at = null where id = $1`, [id, agents]);
  await notify(db, id);
}

/** The runner stopped on purpose: it is gone at once, without waiting out its heartbeats. */
export async function markRunnerStopped(db: Queryable, id: string): Promise<void> {
  await db.query(`update runner set stopped_at = now() where id = $1`, [id]);
  await notify(db, id);
}

const runnerRow = z.object({
  id: z.string(),
  hostname: z.string(),
  pid: z.number().int(),
  version: z.string(),
  concurrency: z.number().int(),
  agents: z.array(z.string()),
  heartbeatMs: z.number().int(),
  startedAt: z.date(),
  heartbeatAt: z.date(),
  stoppedAt: z.date().nullable(),
  sandboxOn: z.boolean(),
  /** Running now: not stopped, and a heartbeat within MISSED_HEARTBEATS intervals (by the database's clock). */
  live: z.boolean(),
  running: z.number().int(),
});
export type RunnerRow = z.infer<typeof runnerRow>;

/** Every runner that ran in the last day (live ones first), with the tasks it is running. */
export async function listRunners(db: Queryable): Promise<RunnerRow[]> {
  const { rows } = await db.query(
    `select r.id, r.hostname, r.pid, r.version, r.concurrency, coalesce(r.agents, '{}') as agents, r.heartbeat_ms as "heartbeatMs",
            r.started_at as "startedAt", r.heartbeat_at as "heartbeatAt", r.stopped_at as "stoppedAt", r.sandbox_on as "sandboxOn",
            (${liveSql("r", "$1")}) as "live",
            (select count(*)::int from task t where t.runner_id = r.id and t.state = 'running') as "running"
       from runner r
      where coalesce(r.stopped_at, r.heartbeat_at) > now() - interval '1 day'
      order by "live" desc, r.started_at desc`,
    [MISSED_HEARTBEATS],
  );
  return z.array(runnerRow).parse(rows);
}

/** Whether runner `runnerId` is live and has `agentId` (a parked session of that agent may live there). */
export async function runnerLiveWith(db: Queryable, runnerId: string, agentId: string): Promise<boolean> {
  const { rows } = await db.query(`select exists (select 1 from runner r where r.id = $1 and $3 = any(r.agents) and ${liveSql("r", "$2")}) as "live"`, [
    runnerId,
    MISSED_HEARTBEATS,
    agentId,
  ]);
  return z.array(z.object({ live: z.boolean() })).parse(rows)[0]!.live;
}

/**
 * Why a task for `agentId` would wait: "no runner has <agent> installed" when no live runner found
 * the agent on its host (its job stays queued until one that has it joins); null when one has.
 */
export async function noRunnerReason(db: Queryable, agentId: string): Promise<string | null> {
  const { rows } = await db.query(
    `select a.name,
            exists (select 1 from runner r where $1 = any(r.agents) and ${liveSql("r", "$2")}) as "served"
       from agent a where a.id = $1`,
    [agentId, MISSED_HEARTBEATS],
  );
  const row = z.array(z.object({ name: z.string(), served: z.boolean() })).parse(rows)[0];
  return row && !row.served ? `no runner has ${row.name} installed` : null;
}

const taskCapsRow = z.object({
  agentId: z.string(),
  agentCap: z.number().int().nullable(),
  projectId: z.string(),
  projectCap: z.number().int().nullable(),
});
export type TaskCaps = z.infer<typeof taskCapsRow>;

/** The fleet-wide caps a task runs under: its agent's and its project's `max_running` (null: none); null if there is no such task. */
export async function taskCaps(db: Queryable, taskId: string): Promise<TaskCaps | null> {
  const { rows } = await db.query(
    `select t.agent_id as "agentId", a.max_running as "agentCap", t.project_id as "projectId", p.max_running as "projectCap"
       from task t join agent a on a.id = t.agent_id join project p on p.id = t.project_id
      where t.id = $1`,
    [taskId],
  );
  return z.array(taskCapsRow).parse(rows)[0] ?? null;
}

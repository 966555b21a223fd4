import { randomUUID } from "node:crypto";
import pg from "pg";
import { quietLogger } from "./logger";

/** Inserts a project, an agent and a task with plain SQL; returns the task id. */
export async function insertTask(pool: pg.Pool): Promise<string> {
  const projectId = randomUUID();
  const taskId = randomUUID();
  const agentId = `agent-${taskId.slice(0, 8)}`;
  await pool.query(
    `INSERT INTO project (id, name, repo_path, base_branch, updated_at) VALUES ($1, 'p', $2, 'main', now())`,
    [projectId, `/tmp/repo-${projectId}`],
  );
  await pool.query(
    `INSERT INTO agent (id, name, transport, command, updated_at) VALUES ($1, 'a', 'acp', 'true', now())`,
    [agentId],
  );
  await pool.query(
    `INSERT INTO task (id, project_id, agent_id, prompt, updated_at) VALUES ($1, $2, $3, 'do it', now())`,
    [taskId, projectId, agentId],
  );
  return taskId;
}

/**
 * A pool on a test database whose idle connections' failures are logged with the database they
 * belong to (a pool without an `error` listener turns them into uncaught exceptions).
 */
export function testPool(url: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max });
  pool.on("error", (error) => {
    quietLogger.error("idle test connection failed", { database: new URL(url).pathname.slice(1), error: error.message });
  });
  return pool;
}

/**
 * Inserts `count` tasks of the project in one statement, for board tests and benchmarks: mostly
 * finished (done, failed, cancelled, 8 minutes apart: 10,000 span 55 days), one in 100 in review, each with a
 * prompt of a few words and a branch `wharf/<id>`. Returns how many were inserted.
 */
export async function seedBoardTasks(db: Pick<pg.Pool, "query">, opts: { projectId: string; agentId: string; count: number }): Promise<number> {
  const { rowCount } = await db.query(
    `insert into task (id, project_id, agent_id, prompt, state, branch, created_at, updated_at, finished_at)
     select id, $1, $2,
            'Seeded task ' || i || ': ' || (array['fix the parser', 'document the API', 'refactor the worker', 'speed up the build', 'rename the settings'])[1 + i % 5]
              || E'\\nKeep the change small and explain it.',
            s.state::"TaskState", 'wharf/' || id, at - interval '5 minutes', at, case when s.state <> 'review' then at end
     from generate_series(1, $3::int) i
     cross join lateral (select gen_random_uuid() as id, now() - make_interval(mins => i * 8) as at) g
     cross join lateral (select case when i % 100 = 0 then 'review'
                                else (array['applied', 'completed', 'discarded', 'applied', 'completed', 'failed', 'cancelled', 'applied', 'completed'])[1 + i % 9] end as state) s`,
    [opts.projectId, opts.agentId, opts.count],
  );
  return rowCount ?? 0;
}

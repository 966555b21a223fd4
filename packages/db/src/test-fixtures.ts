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

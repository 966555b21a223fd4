import { randomUUID } from "node:crypto";
import type pg from "pg";

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

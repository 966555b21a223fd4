import type pg from "pg";
import { z } from "zod";
import { CHANNEL_EVENTS, keepsWorktree, serviceSchema, type ControlNotify } from "@wharf/api/schemas";
import { removeWorktree } from "@wharf/git";
import type { Logger } from "../agents/transport";
import { EventWriter } from "../event-writer";
import { TASK_REPO_SQL } from "../project-repo";
import type { ServiceManager } from "./services";
import { projectWorkspace, type Workspaces } from "./workspace";

/**
 * The workspace control messages (`run_setup`, `start_service`, `stop_service`,
 * `release`) for tasks whose worktree this runner owns (`task.runner_id`): each loads the
 * task and its project's settings, acts, and writes what happened to the task's timeline.
 */

const taskWorkspaceRow = z.object({
  id: z.string(),
  state: z.string(),
  runner_id: z.string().nullable(),
  worktree_path: z.string().nullable(),
  branch: z.string().nullable(),
  project_id: z.string(),
  /** The repository the task's worktree is in (the project's, or the runner's clone). */
  repo_path: z.string(),
  setup_script: z.string().nullable(),
  teardown_script: z.string().nullable(),
  copy_files: z.array(z.string()).nullable(),
  setup_timeout_seconds: z.number().int().positive(),
  services: z.array(serviceSchema),
  sandbox_network: z.boolean(),
});
type TaskWorkspaceRow = z.infer<typeof taskWorkspaceRow>;

type WorkspaceMessage = Extract<ControlNotify, { action: "run_setup" | "start_service" | "stop_service" | "release" }>;

export class WorkspaceControl {
  /** Tasks with a workspace action under way here: one at a time per task. */
  private readonly busy = new Map<string, Promise<void>>();

  constructor(
    private readonly deps: { pool: pg.Pool; runnerId: string; workspaces: Workspaces; services: ServiceManager; log: Logger },
  ) {}

  handle(message: WorkspaceMessage): void {
    const previous = this.busy.get(message.taskId) ?? Promise.resolve();
    const next = previous
      .then(() => this.act(message))
      .catch((error: unknown) => this.deps.log.error("a workspace action failed", { action: message.action, taskId: message.taskId, error }))
      .finally(() => {
        if (this.busy.get(message.taskId) === next) this.busy.delete(message.taskId);
      });
    this.busy.set(message.taskId, next);
  }

  /** Resolves when every action under way has finished (runner stop, tests). */
  async idle(): Promise<void> {
    await Promise.all([...this.busy.values()]);
  }

  private async act(message: WorkspaceMessage): Promise<void> {
    const { services, workspaces, log } = this.deps;
    // Stopping needs no row: whatever this runner runs for the task goes.
    if (message.action === "stop_service") return services.stop(message.taskId, message.name);
    const task = await this.load(message.taskId);
    if (!task || task.runner_id !== this.deps.runnerId) return;
    // Not in the shared lanes: a push may hold this task's row lock while a service reports.
    const writer = new EventWriter(this.deps.pool, task.id, log, { ownConnection: true });
    const onEvent = (event: Parameters<EventWriter["push"]>[0]) => writer.push(event);
    try {
      switch (message.action) {
        case "release":
          await services.stopTask(task.id);
          if (message.remove && task.worktree_path && task.branch && !keepsWorktree(task.state)) {
            await workspaces.teardown(projectWorkspace(task), task.worktree_path, onEvent);
            await writer.flush();
            await removeWorktree({ repoPath: task.repo_path, path: task.worktree_path, branch: task.branch, deleteBranch: true });
            // Watchers of the task (pages, tests) hear that it changed, as for an archive.
            await this.deps.pool.query(
              `with updated as (update task set worktree_path = null where id = $1 returning last_seq)
               select pg_notify($2, json_build_object('taskId', $1::text, 'seq', last_seq)::text) from updated`,
              [task.id, CHANNEL_EVENTS],
            );
          }
          break;
        case "run_setup":
          if (!task.worktree_path || !keepsWorktree(task.state)) return;
          await workspaces.setup(projectWorkspace(task), task.worktree_path, { onEvent });
          break;
        case "start_service": {
          const spec = task.services.find((s) => s.name === message.name);
          if (!spec || !task.worktree_path || !keepsWorktree(task.state)) return;
          const { env, writable } = await workspaces.scriptEnv(task.project_id);
          await services.start({ taskId: task.id, worktree: task.worktree_path, env, writable }, spec, onEvent);
          break;
        }
      }
    } finally {
      await writer.flush();
    }
  }

  private async load(taskId: string): Promise<TaskWorkspaceRow | null> {
    const { rows } = await this.deps.pool.query(
      `select t.id, t.state::text as state, t.runner_id, t.worktree_path, t.branch, p.id as project_id, ${TASK_REPO_SQL} as repo_path, p.setup_script, p.teardown_script,
              p.copy_files, p.setup_timeout_seconds, p.services, a.sandbox_network
       from task t join project p on p.id = t.project_id join agent a on a.id = t.agent_id where t.id = $1`,
      [taskId],
    );
    return z.array(taskWorkspaceRow).parse(rows)[0] ?? null;
  }
}


import { existsSync } from "node:fs";
import path from "node:path";
import { ensureClone, fetchBranch } from "@wharf/git";
import type { Logger } from "./agents/transport";

/** What the runner knows of a project's repository from its row. */
export type ProjectSource = {
  projectId: string;
  /** The project's repository on the web host (the person's checkout, or the web's own clone when managed). */
  repoPath: string;
  /** repo_path is the web host's own clone of cloneUrl (a project added by URL only): never worked in by a runner elsewhere. */
  repoManaged: boolean;
  cloneUrl: string | null;
  baseBranch: string;
};

/** The repository this runner makes a project's worktrees in; `own`: its clone, whose work travels back as bundles. */
export type WorkRepo = { path: string; own: boolean };

/** Task rows carry `repo_path` (the project's) and `work_repo` (where a runner made the worktree, when not there). */
export const TASK_REPO_SQL = `coalesce(t.work_repo, p.repo_path)`;

class NoRepositoryError extends Error {
  constructor(project: ProjectSource) {
    super(
      `This runner cannot see the project's repository at ${project.repoPath} and the project has no clone URL. Give the project a URL git can fetch from here (wharf project add --url), or run its tasks on a runner that sees that folder.`,
    );
    this.name = "NoRepositoryError";
  }
}

/**
 * Which repository this runner uses for a project: the one rule, used for every new worktree.
 *
 * The project's own path when this host sees a git repository there (a stat, no git process: the
 * local path costs nothing more than before); otherwise this runner's clone of the project's URL
 * in `<WHARF_HOME>/repos/<project>`, made once (serialised per project) and fetched from before
 * each new worktree (only the base branch, bounded by `fetchTimeoutMs`). A task's existing
 * worktree keeps the repository it was made in (`task.work_repo`, see TASK_REPO_SQL).
 */
export class ProjectRepos {
  constructor(private readonly opts: { reposDir: string; fetchTimeoutMs: number; log: Logger }) {}

  /** Where this runner works on the project, without touching the network. */
  which(project: ProjectSource): WorkRepo {
    const clone = path.join(this.opts.reposDir, project.projectId);
    // One box with a project added by URL: the web's clone is this runner's own.
    if (project.repoManaged) return { path: clone, own: clone !== project.repoPath };
    if (existsSync(path.join(project.repoPath, ".git"))) return { path: project.repoPath, own: false };
    return { path: clone, own: true };
  }

  /** The repository ready for a new worktree: for a clone, made if missing and its base branch fetched. */
  async prepare(project: ProjectSource): Promise<WorkRepo> {
    const repo = this.which(project);
    if (!repo.own && !project.repoManaged) return repo;
    if (project.cloneUrl === null) throw new NoRepositoryError(project);
    const timeoutMs = this.opts.fetchTimeoutMs;
    const cloned = await ensureClone({ url: project.cloneUrl, dir: repo.path, timeoutMs, logger: this.opts.log });
    if (cloned) this.opts.log.info("cloned a project's repository", { projectId: project.projectId, path: repo.path });
    await fetchBranch({ repoPath: repo.path, url: project.cloneUrl, branch: project.baseBranch, timeoutMs, logger: this.opts.log });
    return repo;
  }
}

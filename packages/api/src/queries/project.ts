import type { Queryable } from "@wharf/db/pg";
import { z } from "zod";
import { mcpServerViews, type McpServerConfig } from "../schemas/mcp";
import { serviceSchema, type workspaceSettingsPatchSchema } from "../schemas/workspace";

/** A project as the API returns it: these fields and no others. */
const projectRow = z.object({
  id: z.string(),
  name: z.string(),
  repoPath: z.string(),
  baseBranch: z.string(),
  /** A URL git fetches the project from: runners that cannot see repoPath clone it. */
  cloneUrl: z.string().nullable(),
  /** repoPath is Wharf's own clone of cloneUrl on the web host (added by URL only); applied changes are pushed to the URL. */
  repoManaged: z.boolean(),
  setupScript: z.string().nullable(),
  teardownScript: z.string().nullable(),
  copyFiles: z.array(z.string()).nullable().transform((v) => v ?? []),
  services: z.array(serviceSchema),
  setupTimeoutSeconds: z.number().int(),
  createdAt: z.date(),
  /** The remote task branches are pushed to; null: detected (`origin`, else the only remote). */
  remote: z.string().nullable(),
  forgeKind: z.enum(["github", "gitlab"]).nullable(),
  forgeApiUrl: z.string().nullable(),
  forgeProject: z.string().nullable(),
  /** Whether a forge token is stored; the token itself is write-only and never selected here. */
  hasForgeToken: z.boolean(),
  /** MCP servers for its tasks' agents; env and header values by name only. */
  mcpServers: z.unknown().transform(mcpServerViews),
  /** Wharf's own MCP server is given to its tasks' agents, with a token scoped to the task. */
  wharfMcp: z.boolean(),
  /** Fleet-wide cap on its running tasks; null: none. */
  maxRunning: z.number().int().nullable(),
});
export type ProjectRow = z.infer<typeof projectRow>;

const projectColumns = `p.id, p.name, p.repo_path as "repoPath", p.base_branch as "baseBranch", p.clone_url as "cloneUrl", p.repo_managed as "repoManaged", p.setup_script as "setupScript",
  p.teardown_script as "teardownScript", p.copy_files as "copyFiles", p.services, p.setup_timeout_seconds as "setupTimeoutSeconds", p.created_at as "createdAt",
  p.remote, p.forge_kind::text as "forgeKind", p.forge_api_url as "forgeApiUrl", p.forge_project as "forgeProject",
  p.forge_token is not null as "hasForgeToken", p.mcp_servers as "mcpServers", p.wharf_mcp as "wharfMcp", p.max_running as "maxRunning"`;

export async function findProject(db: Queryable, id: string): Promise<ProjectRow | null> {
  const { rows } = await db.query(`select ${projectColumns} from project p where p.id = $1`, [id]);
  return z.array(projectRow).parse(rows)[0] ?? null;
}

export async function findProjectByRepoPath(db: Queryable, repoPath: string): Promise<ProjectRow | null> {
  const { rows } = await db.query(`select ${projectColumns} from project p where p.repo_path = $1`, [repoPath]);
  return z.array(projectRow).parse(rows)[0] ?? null;
}

/** The project added by this URL only (its repository is Wharf's clone), if any. */
export async function findManagedProjectByUrl(db: Queryable, cloneUrl: string): Promise<ProjectRow | null> {
  const { rows } = await db.query(`select ${projectColumns} from project p where p.clone_url = $1 and p.repo_managed order by p.created_at limit 1`, [cloneUrl]);
  return z.array(projectRow).parse(rows)[0] ?? null;
}

/** Sets a project's clone URL (checked by the caller). */
export async function setProjectCloneUrl(db: Queryable, id: string, cloneUrl: string): Promise<ProjectRow | null> {
  const { rows } = await db.query(`update project p set clone_url = $2, updated_at = now() where p.id = $1 returning ${projectColumns}`, [id, cloneUrl]);
  return z.array(projectRow).parse(rows)[0] ?? null;
}

/** The first `limit` projects, oldest first. */
export async function listProjects(db: Queryable, limit: number): Promise<ProjectRow[]> {
  const { rows } = await db.query(`select ${projectColumns} from project p order by p.created_at asc limit $1`, [limit]);
  return z.array(projectRow).parse(rows);
}

/** Inserts a project; its repository must not have one yet (`repo_path` is unique). */
export async function insertProject(
  db: Queryable,
  project: { id?: string; name: string; repoPath: string; baseBranch: string; cloneUrl?: string | null; repoManaged?: boolean },
): Promise<ProjectRow> {
  const { rows } = await db.query(
    `insert into project as p (id, name, repo_path, base_branch, clone_url, repo_managed, updated_at)
     values (coalesce($6::uuid, gen_random_uuid()), $1, $2, $3, $4, $5, now())
     returning ${projectColumns}`,
    [project.name, project.repoPath, project.baseBranch, project.cloneUrl ?? null, project.repoManaged ?? false, project.id ?? null],
  );
  const [row] = z.array(projectRow).length(1).parse(rows);
  return row!;
}

/** Where a project pushes and which forge it uses: a key that is absent stays, null clears it. */
type PublishPatch = {
  remote?: string | null | undefined;
  forgeKind?: "github" | "gitlab" | null | undefined;
  forgeApiUrl?: string | null | undefined;
  forgeProject?: string | null | undefined;
  forgeToken?: string | null | undefined;
};

export type ProjectPatch = z.output<typeof workspaceSettingsPatchSchema> &
  PublishPatch & {
    name?: string | undefined;
    /** With their secret values (see resolveMcpServers). */
    mcpServers?: McpServerConfig[] | undefined;
    wharfMcp?: boolean | undefined;
    maxRunning?: number | null | undefined;
  };

/** A project's MCP servers with their secret values, for resolving an update; null if there is no such project. */
export async function findProjectMcpServers(db: Queryable, id: string): Promise<unknown> {
  const { rows } = await db.query<{ mcp_servers: unknown }>(`select mcp_servers from project where id = $1`, [id]);
  return rows[0] ? rows[0].mcp_servers : null;
}

/** A blank script is no script. */
const script = (value: string | null | undefined) => (value === undefined ? undefined : value === null || value.trim() === "" ? null : value);

/**
 * Updates the fields given (absent ones stay); null if there is no such project. One statement:
 * each column is set to its new value when the parameter says it was given.
 */
export async function updateProject(db: Queryable, id: string, patch: ProjectPatch): Promise<ProjectRow | null> {
  const setup = script(patch.setupScript);
  const teardown = script(patch.teardownScript);
  const { remote, forgeKind, forgeApiUrl, forgeProject, forgeToken } = patch;
  const publish = Object.fromEntries(Object.entries({ remote, forgeKind, forgeApiUrl, forgeProject, forgeToken }).filter(([, value]) => value !== undefined));
  const { rows } = await db.query(
    `update project as p set
       name = case when $2::boolean then $3 else p.name end,
       setup_script = case when $4::boolean then $5 else p.setup_script end,
       teardown_script = case when $6::boolean then $7 else p.teardown_script end,
       copy_files = coalesce($8::text[], p.copy_files),
       services = coalesce($9::jsonb, p.services),
       setup_timeout_seconds = coalesce($10::integer, p.setup_timeout_seconds),
       remote = case when $11::jsonb ? 'remote' then $11->>'remote' else p.remote end,
       forge_kind = case when $11::jsonb ? 'forgeKind' then ($11->>'forgeKind')::"ForgeKind" else p.forge_kind end,
       forge_api_url = case when $11::jsonb ? 'forgeApiUrl' then $11->>'forgeApiUrl' else p.forge_api_url end,
       forge_project = case when $11::jsonb ? 'forgeProject' then $11->>'forgeProject' else p.forge_project end,
       forge_token = case when $11::jsonb ? 'forgeToken' then $11->>'forgeToken' else p.forge_token end,
       mcp_servers = coalesce($12::jsonb, p.mcp_servers),
       wharf_mcp = coalesce($13::boolean, p.wharf_mcp),
       max_running = case when $14::boolean then $15::integer else p.max_running end,
       updated_at = now()
     where p.id = $1
     returning ${projectColumns}`,
    [
      id,
      patch.name !== undefined,
      patch.name ?? null,
      setup !== undefined,
      setup ?? null,
      teardown !== undefined,
      teardown ?? null,
      patch.copyFiles ?? null,
      patch.services === undefined ? null : JSON.stringify(patch.services),
      patch.setupTimeoutSeconds ?? null,
      JSON.stringify(publish),
      patch.mcpServers === undefined ? null : JSON.stringify(patch.mcpServers),
      patch.wharfMcp ?? null,
      patch.maxRunning !== undefined,
      patch.maxRunning ?? null,
    ],
  );
  return z.array(projectRow).parse(rows)[0] ?? null;
}

const taskWorkspaceRow = z.object({
  state: z.string(),
  worktreePath: z.string().nullable(),
  hasTeardown: z.boolean(),
  services: z.array(serviceSchema),
});
export type TaskWorkspaceRow = z.infer<typeof taskWorkspaceRow>;

/** A task's state and worktree with its project's workspace settings; null when there is no such task. */
export async function findTaskWorkspace(db: Queryable, taskId: string): Promise<TaskWorkspaceRow | null> {
  const { rows } = await db.query(
    `select t.state::text as state, t.worktree_path as "worktreePath",
            coalesce(btrim(p.teardown_script), '') <> '' as "hasTeardown", p.services
     from task t join project p on p.id = t.project_id where t.id = $1`,
    [taskId],
  );
  return z.array(taskWorkspaceRow).parse(rows)[0] ?? null;
}

const publishSettingsRow = z.object({
  remote: z.string().nullable(),
  forgeKind: z.enum(["github", "gitlab"]).nullable(),
  forgeApiUrl: z.string().nullable(),
  forgeProject: z.string().nullable(),
  forgeToken: z.string().nullable(),
});
/** Where a project pushes and which forge it uses, token included: for the server's own use, never a response. */
export type PublishSettings = z.infer<typeof publishSettingsRow>;

export async function findPublishSettings(db: Queryable, projectId: string): Promise<PublishSettings | null> {
  const { rows } = await db.query(
    `select p.remote, p.forge_kind::text as "forgeKind", p.forge_api_url as "forgeApiUrl", p.forge_project as "forgeProject",
            p.forge_token as "forgeToken"
     from project p where p.id = $1`,
    [projectId],
  );
  return z.array(publishSettingsRow).parse(rows)[0] ?? null;
}

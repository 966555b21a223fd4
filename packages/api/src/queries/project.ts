import type { Queryable } from "@wharf/db/pg";
import { z } from "zod";

/** A project as the API returns it: these fields and no others. */
const projectRow = z.object({
  id: z.string(),
  name: z.string(),
  repoPath: z.string(),
  baseBranch: z.string(),
  setupScript: z.string().nullable(),
  createdAt: z.date(),
  /** The remote task branches are pushed to; null: detected (`origin`, else the only remote). */
  remote: z.string().nullable(),
  forgeKind: z.enum(["github", "gitlab"]).nullable(),
  forgeApiUrl: z.string().nullable(),
  forgeProject: z.string().nullable(),
  /** Whether a forge token is stored; the token itself is write-only and never selected here. */
  hasForgeToken: z.boolean(),
});
export type ProjectRow = z.infer<typeof projectRow>;

const projectColumns = `p.id, p.name, p.repo_path as "repoPath", p.base_branch as "baseBranch", p.setup_script as "setupScript", p.created_at as "createdAt",
  p.remote, p.forge_kind::text as "forgeKind", p.forge_api_url as "forgeApiUrl", p.forge_project as "forgeProject",
  p.forge_token is not null as "hasForgeToken"`;

export async function findProject(db: Queryable, id: string): Promise<ProjectRow | null> {
  const { rows } = await db.query(`select ${projectColumns} from project p where p.id = $1`, [id]);
  return z.array(projectRow).parse(rows)[0] ?? null;
}

export async function findProjectByRepoPath(db: Queryable, repoPath: string): Promise<ProjectRow | null> {
  const { rows } = await db.query(`select ${projectColumns} from project p where p.repo_path = $1`, [repoPath]);
  return z.array(projectRow).parse(rows)[0] ?? null;
}

/** The first `limit` projects, oldest first. */
export async function listProjects(db: Queryable, limit: number): Promise<ProjectRow[]> {
  const { rows } = await db.query(`select ${projectColumns} from project p order by p.created_at asc limit $1`, [limit]);
  return z.array(projectRow).parse(rows);
}

/** Inserts a project; its repository must not have one yet (`repo_path` is unique). */
export async function insertProject(db: Queryable, project: { name: string; repoPath: string; baseBranch: string }): Promise<ProjectRow> {
  const { rows } = await db.query(
    `insert into project as p (id, name, repo_path, base_branch, updated_at)
     values (gen_random_uuid(), $1, $2, $3, now())
     returning ${projectColumns}`,
    [project.name, project.repoPath, project.baseBranch],
  );
  const [row] = z.array(projectRow).length(1).parse(rows);
  return row!;
}

/**
 * Changes the given settings of a project and keeps the others (a key that is absent stays as it
 * is; null clears it). Null when there is no such project.
 */
export async function updateProject(
  db: Queryable,
  id: string,
  settings: {
    remote?: string | null | undefined;
    forgeKind?: "github" | "gitlab" | null | undefined;
    forgeApiUrl?: string | null | undefined;
    forgeProject?: string | null | undefined;
    forgeToken?: string | null | undefined;
  },
): Promise<ProjectRow | null> {
  const given = Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined));
  const { rows } = await db.query(
    `update project as p set
       remote = case when $2::jsonb ? 'remote' then $2->>'remote' else p.remote end,
       forge_kind = case when $2::jsonb ? 'forgeKind' then ($2->>'forgeKind')::"ForgeKind" else p.forge_kind end,
       forge_api_url = case when $2::jsonb ? 'forgeApiUrl' then $2->>'forgeApiUrl' else p.forge_api_url end,
       forge_project = case when $2::jsonb ? 'forgeProject' then $2->>'forgeProject' else p.forge_project end,
       forge_token = case when $2::jsonb ? 'forgeToken' then $2->>'forgeToken' else p.forge_token end,
       updated_at = now()
     where p.id = $1
     returning ${projectColumns}`,
    [id, JSON.stringify(given)],
  );
  return z.array(projectRow).parse(rows)[0] ?? null;
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

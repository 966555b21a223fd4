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
});
export type ProjectRow = z.infer<typeof projectRow>;

const projectColumns = `p.id, p.name, p.repo_path as "repoPath", p.base_branch as "baseBranch", p.setup_script as "setupScript", p.created_at as "createdAt"`;

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

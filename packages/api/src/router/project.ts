import path from "node:path";
import { TRPCError } from "@trpc/server";
import { randomUUID } from "node:crypto";
import { checkCloneUrl, ensureClone, fetchBranch, GitError, inspectRepo, RemoteReadError, type RemoteHead } from "@wharf/git";
import { z } from "zod";
import { notFound } from "../errors";
import {
  findManagedProjectByUrl,
  findProject,
  findProjectByRepoPath,
  findProjectMcpServers,
  insertProject,
  listProjects,
  setProjectCloneUrl,
  updateProject,
} from "../queries/project";
import { maxRunningInput } from "../schemas/jobs";
import { McpSecretMissingError, mcpServersInputSchema, resolveMcpServers } from "../schemas/mcp";
import { workspaceSettingsPatchSchema } from "../schemas/workspace";
import { protectedProcedure } from "../trpc";

/**
 * A URL git can fetch: https/http, ssh, git:// or file:// URLs, scp-like `user@host:path`, or an
 * absolute path. Never a remote helper (`ext::…` would run a command) or something git would read
 * as an option.
 */
const cloneUrlSchema = z
  .string()
  .trim()
  .min(1, "Give a URL git can fetch (https://…, ssh://…, git@host:repo.git, git://…, or a path).")
  .max(4096)
  .refine((u) => !/[\s\0-\x1f\x7f]/.test(u), "A clone URL has no spaces or control characters.")
  .refine((u) => !u.startsWith("-"), "A clone URL cannot start with '-'.")
  .refine((u) => !/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/@]*:[^/@]*@/.test(u), "Leave the password or token out of the URL (it would be stored and shown): give this host access with an ssh key or a git credential helper.")
  .refine((u) => !/^[A-Za-z][A-Za-z0-9+.-]*::/.test(u), "Wharf does not run git's remote helpers (transport::address); give an https, ssh, git:// or file URL, or a path.")
  .refine(
    (u) => /^(https?|ssh|git|file):\/\/[^/]*\/?/.test(u) || /^([^@/:]+@)?[^/:]+:[^/]?/.test(u) || path.isAbsolute(u),
    "Give a URL git can fetch: https://host/repo.git, ssh://host/repo.git, git@host:repo.git, git://host/repo.git, file:///path, or an absolute path.",
  );

const projectCreateInput = z
  .object({
    /** The person's checkout on the web host. */
    path: z
      .string()
      .trim()
      .min(1, "Give the path of a git repository.")
      .max(4096)
      .refine((p) => !p.includes("\0"), "The path contains a NUL byte.")
      .refine((p) => path.isAbsolute(p), "Give an absolute path (it is resolved on the Wharf host).")
      .optional(),
    /** Where runners that cannot see `path` clone the project from; alone, the web host clones it too. */
    url: cloneUrlSchema.optional(),
    name: z.string().trim().min(1).max(200).optional(),
    baseBranch: z.string().trim().min(1).max(255).optional(),
  })
  .refine((input) => input.path !== undefined || input.url !== undefined, "Give the project's path on this host, its clone URL, or both.");

/** Every field but `id` is optional: absent means unchanged; for the push and forge settings null clears. */
const projectUpdateInput = z.object({
  id: z.string().uuid("Project ids are UUIDs."),
  /** At most this many of its tasks run at once across the fleet; null: no cap. */
  maxRunning: maxRunningInput,
  name: z.string().trim().min(1, "A project name may not be empty.").max(200, "A project name is at most 200 characters.").optional(),
  ...workspaceSettingsPatchSchema.shape,
  /** The remote task branches are pushed to; null: detect (`origin`, else the only remote). */
  remote: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,254}$/, "A remote's name, as `git remote` lists it (e.g. origin).")
    .nullable()
    .optional(),
  /** null: guessed from the remote's URL (github.com, gitlab.com, hosts named gitlab…). */
  forgeKind: z.enum(["github", "gitlab"]).nullable().optional(),
  /** The forge's REST API root, e.g. https://github.example.com/api/v3 or https://gitlab.example.com/api/v4; null: the usual one for the remote's host. */
  forgeApiUrl: z
    .url({ protocol: /^https?$/, error: "An http(s) URL, e.g. https://gitlab.example.com/api/v4." })
    .max(2000)
    .transform((url) => url.replace(/\/+$/, ""))
    .nullable()
    .optional(),
  /** `owner/repo` (GitLab `group/…/repo`); null: read from the remote's URL. */
  forgeProject: z
    .string()
    .trim()
    .regex(/^[^/\s]+(\/[^/\s]+)+$/, "owner/repo (GitLab: group/…/repo).")
    .max(500)
    .nullable()
    .optional(),
  /** Write-only: a value sets the token, null removes it; it never comes back (see `hasForgeToken`). */
  forgeToken: z.string().trim().min(1, "The token is empty; send null to remove it.").max(2000).nullable().optional(),
  /**
   * MCP servers for the project's tasks, replacing the list: an env or header value sets it, null
   * keeps the stored one. Values are never returned (`mcpServers[].envKeys`, `headerNames`).
   */
  mcpServers: mcpServersInputSchema.optional(),
  /**
   * Gives the project's tasks' agents Wharf's own MCP server (`wharf mcp`: create and follow
   * subtasks), authenticated with a token scoped to the task.
   */
  wharfMcp: z.boolean().optional(),
});

export const projectRouter = {
  /**
   * A project by its path on this host, by a clone URL, or both. The URL is checked first (git
   * ls-remote, bounded, never prompting). By URL only, the web host clones it into
   * `<WHARF_HOME>/repos/<project>` for review, and applied changes are pushed back to it.
   */
  create: protectedProcedure.input(projectCreateInput).mutation(async ({ ctx, input }) => {
    const { pool, home } = ctx.services;
    const remote = input.url === undefined ? null : await readableUrl(input.url);
    if (input.path !== undefined) {
      const repo = await gitStep(() => inspectRepo(input.path!));
      const existing = await findProjectByRepoPath(pool, repo.root);
      if (existing) return input.url !== undefined && existing.cloneUrl !== input.url ? (await setProjectCloneUrl(pool, existing.id, input.url))! : existing;
      return insertProject(pool, {
        name: input.name ?? path.basename(repo.root),
        repoPath: repo.root,
        baseBranch: input.baseBranch ?? repo.baseBranch,
        cloneUrl: input.url ?? null,
      });
    }
    const url = input.url!;
    const existing = await findManagedProjectByUrl(pool, url);
    if (existing) return existing;
    const branches = remote!.branches;
    const baseBranch = input.baseBranch ?? remote!.defaultBranch ?? (branches.includes("main") ? "main" : branches[0]!);
    if (!branches.includes(baseBranch)) {
      throw new TRPCError({ code: "BAD_REQUEST", message: `${url} has no branch ${baseBranch}; it has ${branches.slice(0, 10).join(", ")}.` });
    }
    const id = randomUUID();
    const dir = path.join(home, "repos", id);
    await gitStep(async () => {
      await ensureClone({ url, dir });
      await fetchBranch({ repoPath: dir, url, branch: baseBranch });
    });
    return insertProject(pool, { id, name: input.name ?? nameOfUrl(url), repoPath: dir, baseBranch, cloneUrl: url, repoManaged: true });
  }),

  list: protectedProcedure.query(({ ctx }) => listProjects(ctx.services.pool, 1000)),

  get: protectedProcedure.input(z.object({ id: z.string().uuid() })).query(async ({ ctx, input }) => {
    const project = await findProject(ctx.services.pool, input.id);
    if (!project) throw notFound("Project", input.id);
    return project;
  }),

  /** Changes a project's name, workspace, push and forge settings (see projectUpdateInput). */
  update: protectedProcedure.input(projectUpdateInput).mutation(async ({ ctx, input }) => {
    const { id, mcpServers, ...rest } = input;
    let patch: Parameters<typeof updateProject>[2] = rest;
    if (mcpServers !== undefined) {
      const stored = await findProjectMcpServers(ctx.services.pool, id);
      if (stored === null) throw notFound("Project", id);
      try {
        patch = { ...rest, mcpServers: resolveMcpServers(mcpServers, stored) };
      } catch (error) {
        if (error instanceof McpSecretMissingError) throw new TRPCError({ code: "BAD_REQUEST", message: error.message });
        throw error;
      }
    }
    const project = await updateProject(ctx.services.pool, id, patch);
    if (!project) throw notFound("Project", id);
    return project;
  }),
};

/** Runs a git step of project.create; what git refused becomes BAD_REQUEST (TIMEOUT when it took too long) with its message. */
async function gitStep<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof RemoteReadError) throw new TRPCError({ code: error.kind === "timed_out" ? "TIMEOUT" : "BAD_REQUEST", message: error.message, cause: error });
    if (error instanceof GitError) throw new TRPCError({ code: "BAD_REQUEST", message: error.message, cause: error });
    throw error;
  }
}

const readableUrl = (url: string): Promise<RemoteHead> => gitStep(() => checkCloneUrl(url, { timeoutMs: 30_000 }));

/** `https://host/team/app.git` → `app`. */
function nameOfUrl(url: string): string {
  const last = url.replace(/\/+$/, "").split(/[/:]/).pop() ?? url;
  return last.replace(/\.git$/, "") || url;
}

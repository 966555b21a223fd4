import path from "node:path";
import { TRPCError } from "@trpc/server";
import { GitError, inspectRepo } from "@wharf/git";
import { z } from "zod";
import { notFound } from "../errors";
import { findProject, findProjectByRepoPath, findProjectMcpServers, insertProject, listProjects, updateProject } from "../queries/project";
import { maxRunningInput } from "../schemas/jobs";
import { McpSecretMissingError, mcpServersInputSchema, resolveMcpServers } from "../schemas/mcp";
import { workspaceSettingsPatchSchema } from "../schemas/workspace";
import { protectedProcedure } from "../trpc";

const projectCreateInput = z.object({
  path: z
    .string()
    .trim()
    .min(1, "Give the path of a git repository.")
    .max(4096)
    .refine((p) => !p.includes("\0"), "The path contains a NUL byte.")
    .refine((p) => path.isAbsolute(p), "Give an absolute path (it is resolved on the Wharf host)."),
  name: z.string().trim().min(1).max(200).optional(),
  baseBranch: z.string().trim().min(1).max(255).optional(),
});

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
});

export const projectRouter = {
  create: protectedProcedure.input(projectCreateInput).mutation(async ({ ctx, input }) => {
    let repo;
    try {
      repo = await inspectRepo(input.path);
    } catch (error) {
      if (error instanceof GitError) throw new TRPCError({ code: "BAD_REQUEST", message: error.message, cause: error });
      throw error;
    }
    const existing = await findProjectByRepoPath(ctx.services.pool, repo.root);
    if (existing) return existing;
    return insertProject(ctx.services.pool, {
      name: input.name ?? path.basename(repo.root),
      repoPath: repo.root,
      baseBranch: input.baseBranch ?? repo.baseBranch,
    });
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

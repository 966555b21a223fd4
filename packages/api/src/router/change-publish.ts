import { TRPCError } from "@trpc/server";
import { buildPullRequestBody, createPullRequest, defaultApiBase, pullRequestTitle, type ForgeConfig } from "@wharf/forge";
import { listRemotes, parseRemoteUrl, pushBranch, type Remote } from "@wharf/git";
import type pg from "pg";
import { z } from "zod";
import type { Queryable } from "@wharf/db/pg";
import { atEdge } from "../errors";
import { inTransaction, publishTaskChange, type ReviewTarget } from "../lifecycle";
import { getChangeSummary } from "../queries/change";
import { findPublishSettings, type PublishSettings } from "../queries/project";
import { publishErrorToTRPC } from "../review/publish-errors";
import { protectedProcedure } from "../trpc";
import { branchHome, importTaskBranch } from "../review/task-branch";
import { parseFiles } from "./task-input";

const taskId = z.string().uuid("Task ids are UUIDs.");

/** A branch name git accepts (the rules of `git check-ref-format --branch`, roughly). */
const branchName = z
  .string()
  .trim()
  .min(1)
  .max(255)
  .refine(
    (name) => !/(^[-/.]|\.\.|[\s~^:?*[\\\x00-\x1f\x7f]|@\{|\/\/|\/\.|\.lock$|[/.]$)/.test(name) && name !== "@",
    "Not a valid branch name (no spaces, '..', '~^:?*[\\', and no leading '-' or trailing '/' or '.lock').",
  );

const changePushInput = z.object({
  taskId,
  /** The branch name on the remote; default: the task branch's own name (`wharf/<task>`). */
  branch: branchName.optional(),
});

const changeOpenPullRequestInput = z.object({
  taskId,
  /** Default: the task's first prompt line. */
  title: z.string().trim().min(1).max(255).optional(),
  /** Default: built from the task (prompt, summary, files). */
  body: z.string().max(60_000).optional(),
  draft: z.boolean().default(false),
  branch: branchName.optional(),
});

/** The remote a project pushes to: its setting, else `origin`, else the only remote. */
async function pushRemote(task: ReviewTarget, settings: PublishSettings): Promise<Remote> {
  const remotes = await listRemotes(task.repoPath);
  if (settings.remote) {
    const named = remotes.find((remote) => remote.name === settings.remote);
    // pushBranch reports a missing remote with the remotes there are.
    return named ?? { name: settings.remote, url: "" };
  }
  const detected = remotes.find((remote) => remote.name === "origin") ?? (remotes.length === 1 ? remotes[0] : undefined);
  if (detected) return detected;
  const have = remotes.length === 0 ? "It has no remotes" : `It has several (${remotes.map((remote) => remote.name).join(", ")}) and none is called origin`;
  throw new TRPCError({
    code: "PRECONDITION_FAILED",
    message: `Wharf cannot tell which remote to push to: ${have}. Add one (git remote add origin <url>) or name one in the project settings.`,
  });
}

/** The forge settings a pull request needs, from the project's settings and its remote's URL. */
function forgeConfig(settings: PublishSettings, remote: Remote): ForgeConfig {
  const location = parseRemoteUrl(remote.url);
  const kind = settings.forgeKind ?? location?.forge;
  if (!kind) {
    throw new TRPCError({
      code: "PRECONDITION_FAILED",
      message: `Wharf cannot tell which forge hosts the remote ${remote.name} (${remote.url}). Choose GitHub or GitLab, and its API URL, in the project settings.`,
    });
  }
  const project = settings.forgeProject ?? location?.path;
  if (!project) {
    throw new TRPCError({
      code: "PRECONDITION_FAILED",
      message: `Wharf cannot read the repository's owner and name from the remote ${remote.name} (${remote.url}). Set the forge project (owner/repo) in the project settings.`,
    });
  }
  const apiBase = settings.forgeApiUrl ?? (location ? defaultApiBase(kind, location.host) : undefined);
  if (!apiBase) {
    throw new TRPCError({ code: "PRECONDITION_FAILED", message: `Set the forge's API URL in the project settings (the remote ${remote.url} names no host).` });
  }
  if (!settings.forgeToken) {
    throw new TRPCError({
      code: "PRECONDITION_FAILED",
      message: `No ${kind === "github" ? "GitHub" : "GitLab"} token is set for this project. Add one in the project settings (it is stored write-only).`,
    });
  }
  return { kind, apiBase, project, token: settings.forgeToken };
}

async function settingsOf(task: ReviewTarget, pool: Parameters<typeof findPublishSettings>[0]): Promise<PublishSettings> {
  const settings = await findPublishSettings(pool, task.projectId);
  if (!settings) throw new TRPCError({ code: "NOT_FOUND", message: `Project ${task.projectId} does not exist.` });
  return settings;
}

/**
 * Pushes the task branch. A branch Wharf pushed before under the same name is replaced (the task
 * may have been rebased) while it still points at what Wharf pushed; commits someone else pushed
 * there are never overwritten.
 */
async function push(db: Queryable, task: ReviewTarget, remote: Remote, branch: string | undefined) {
  await importTaskBranch(db, branchHome(task));
  const remoteBranch = branch ?? task.change.branch;
  const lease = task.pushedBranch === remoteBranch && task.pushedCommit ? { lease: task.pushedCommit } : {};
  return pushBranch({ repoPath: task.repoPath, remote: remote.name, branch: task.change.branch, remoteBranch, ...lease });
}

/**
 * Pushes the task branch and opens a pull request (or returns the open one) while the task's row
 * lock is held, in the caller's transaction; errors are for publishErrorToTRPC.
 */
export function openPullRequest(client: pg.PoolClient, taskId: string, input: Omit<z.infer<typeof changeOpenPullRequestInput>, "taskId">) {
  return publishTaskChange(client, taskId, "open pull request", async (task) => {
    const settings = await settingsOf(task, client);
    const remote = await pushRemote(task, settings);
    const config = forgeConfig(settings, remote);
    const summary = await getChangeSummary(client, task.id);
    const body =
      input.body ??
      buildPullRequestBody({ taskId: task.id, prompt: task.prompt, summary: task.summary, files: summary ? parseFiles(summary.files) : [] });
    const pushed = await push(client, task, remote, input.branch);
    const pr = await createPullRequest(config, {
      head: pushed.remoteBranch,
      base: task.baseBranch,
      title: input.title ?? pullRequestTitle(task.prompt),
      body,
      draft: input.draft,
    });
    return {
      pushedBranch: pushed.remoteBranch,
      pushedCommit: pushed.commit,
      pullRequest: { url: pr.url, number: pr.number },
      created: pr.created,
      remote: remote.name,
    };
  });
}

export const changePublish = {
  /** Pushes the task branch to the project's remote (a task in review). */
  push: protectedProcedure.input(changePushInput).mutation(async ({ ctx, input }) => {
    const { pool } = ctx.services;
    try {
      const { outcome } = await atEdge(() =>
        inTransaction(pool, (client) =>
          publishTaskChange(client, input.taskId, "push", async (task) => {
            const remote = await pushRemote(task, await settingsOf(task, client));
            const pushed = await push(client, task, remote, input.branch);
            return { pushedBranch: pushed.remoteBranch, pushedCommit: pushed.commit, ...pushed };
          }),
        ),
      );
      return { taskId: input.taskId, remote: outcome.remote, url: outcome.url, branch: outcome.remoteBranch, commit: outcome.commit, updated: outcome.updated };
    } catch (error) {
      throw publishErrorToTRPC(error);
    }
  }),

  /**
   * Pushes the task branch and opens a pull request (GitHub) or merge request (GitLab) into the
   * project's base branch; its URL and number are stored on the task. An open one for the same
   * branches is returned (`created: false`).
   */
  openPullRequest: protectedProcedure.input(changeOpenPullRequestInput).mutation(async ({ ctx, input }) => {
    const { pool } = ctx.services;
    try {
      const { outcome } = await atEdge(() => inTransaction(pool, (client) => openPullRequest(client, input.taskId, input)));
      return {
        taskId: input.taskId,
        url: outcome.pullRequest.url,
        number: outcome.pullRequest.number,
        created: outcome.created,
        remote: outcome.remote,
        branch: outcome.pushedBranch,
      };
    } catch (error) {
      throw publishErrorToTRPC(error);
    }
  }),
};

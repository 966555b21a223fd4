import { z } from "zod";
import { type ForgeConfig, type ForgeKind, forgeConfigSchema, forgeNames, tokenAdvice } from "./config";
import {
  ForgeAuthError,
  ForgeBranchMissingError,
  ForgeError,
  type ForgeErrorFields,
  ForgeNotFoundError,
  ForgeUnreachableError,
  PullRequestExistsError,
} from "./errors";

export interface CreatePullRequestInput {
  /** The branch with the changes (already pushed to the forge). */
  head: string;
  /** The branch to merge into. */
  base: string;
  title: string;
  body: string;
  draft?: boolean;
}

export interface PullRequest {
  /** The page a person opens. */
  url: string;
  /** GitHub's PR number, GitLab's MR iid (the `!n`). */
  number: number;
  /** False when one was already open for these branches and is returned instead. */
  created: boolean;
}

export interface ForgeRequestOptions {
  /** Bound on each request (default 30 s). */
  timeoutMs?: number;
  /** For tests; defaults to the global fetch. */
  fetch?: typeof fetch;
}

const defaultTimeoutMs = 30_000;
const githubApiVersion = "2022-11-28";

/**
 * Opens a pull request (GitHub) or merge request (GitLab). When one is already open for the same
 * branches it is looked up and returned with `created: false`. Every failure is a `ForgeError`
 * subclass with a message a person can act on.
 */
export async function createPullRequest(
  config: ForgeConfig,
  input: CreatePullRequestInput,
  options: ForgeRequestOptions = {},
): Promise<PullRequest> {
  const parsed = forgeConfigSchema.safeParse(config);
  if (!parsed.success) {
    throw new ForgeError("bad_response", `The project's forge settings are incomplete: ${z.prettifyError(parsed.error)}`, {
      forge: config.kind,
      url: String(config.apiBase),
    });
  }
  return parsed.data.kind === "github" ? githubCreate(parsed.data, input, options) : gitlabCreate(parsed.data, input, options);
}

// ---------------------------------------------------------------------------------------------
// GitHub: POST /repos/{owner}/{repo}/pulls

const githubPullSchema = z.object({ html_url: z.url(), number: z.number().int().positive() });
const githubErrorSchema = z.object({
  message: z.string().optional(),
  errors: z
    .array(
      z.union([
        z.object({ resource: z.string().optional(), field: z.string().optional(), code: z.string().optional(), message: z.string().optional() }),
        z.string(),
      ]),
    )
    .optional(),
});

async function githubCreate(config: ForgeConfig, input: CreatePullRequestInput, options: ForgeRequestOptions): Promise<PullRequest> {
  const repoPath = config.project.split("/").map(encodeURIComponent).join("/");
  const url = `${trimSlash(config.apiBase)}/repos/${repoPath}/pulls`;
  const headers = {
    Authorization: `Bearer ${config.token}`,
    Accept: "application/vnd.github+json",
    "X-GitHub-Api-Version": githubApiVersion,
    "User-Agent": "wharf",
  };
  const response = await send(config.kind, url, options, {
    method: "POST",
    headers: { ...headers, "Content-Type": "application/json" },
    body: JSON.stringify({ title: input.title, head: input.head, base: input.base, body: input.body, draft: input.draft ?? false }),
  });
  const fields: ForgeErrorFields = { forge: "github", url, status: response.status };
  if (response.status === 201) {
    const pull = parseAnswer(githubPullSchema, response, fields);
    return { url: pull.html_url, number: pull.number, created: true };
  }
  const error = githubErrorSchema.safeParse(response.json);
  const message = error.success ? (error.data.message ?? "") : "";
  const details = error.success
    ? (error.data.errors ?? []).map((entry) => (typeof entry === "string" ? { message: entry } : entry))
    : [];
  const detail = [message, ...details.map((entry) => entry.message ?? [entry.field, entry.code].filter(Boolean).join(" "))]
    .filter((text) => text.length > 0)
    .join("; ") || response.text.slice(0, 300);
  const withDetail = { ...fields, detail };

  if (response.status === 422) {
    if (details.some((entry) => /already exists/i.test(entry.message ?? "")) || /already exists/i.test(message)) {
      const owner = config.project.split("/")[0] ?? "";
      const query = new URLSearchParams({ head: `${owner}:${input.head}`, base: input.base, state: "open" });
      const existing = await findExisting(config.kind, `${url}?${query.toString()}`, headers, options, z.array(githubPullSchema));
      if (existing[0]) return { url: existing[0].html_url, number: existing[0].number, created: false };
      throw new PullRequestExistsError(
        `A pull request from ${input.head} into ${input.base} is already open on ${config.project}, but GitHub did not list it. Open it on GitHub.`,
        withDetail,
      );
    }
    const missing = details.find((entry) => (entry.field === "head" || entry.field === "base") && entry.code === "invalid");
    if (missing) {
      const branch = missing.field === "head" ? input.head : input.base;
      throw new ForgeBranchMissingError(
        `GitHub has no branch ${branch} in ${config.project}. Push it first${missing.field === "base" ? ", or check the project's base branch" : ""}.`,
        { ...withDetail, branch },
      );
    }
    if (/no commits between/i.test(detail)) {
      throw new ForgeError("rejected", `${input.head} has no commits that ${input.base} lacks on GitHub: push the task branch first, or there is nothing to review.`, withDetail);
    }
  }
  throw statusError(config, response.status, detail, withDetail);
}

// ---------------------------------------------------------------------------------------------
// GitLab: POST /projects/:id/merge_requests

const gitlabMergeRequestSchema = z.object({ web_url: z.url(), iid: z.number().int().positive() });
const gitlabErrorSchema = z.union([
  z.object({
    message: z.union([z.string(), z.array(z.string()), z.record(z.string(), z.union([z.string(), z.array(z.string())]))]),
  }),
  z.object({ error: z.string(), error_description: z.string().optional() }),
]);

async function gitlabCreate(config: ForgeConfig, input: CreatePullRequestInput, options: ForgeRequestOptions): Promise<PullRequest> {
  const base = `${trimSlash(config.apiBase)}/projects/${encodeURIComponent(config.project)}/merge_requests`;
  const headers = { "PRIVATE-TOKEN": config.token, Accept: "application/json", "User-Agent": "wharf" };
  // Creating a draft is done with the title prefix, which every GitLab version since 13.2 reads.
  const title = input.draft && !/^(draft:|\[draft\]|\(draft\))/i.test(input.title) ? `Draft: ${input.title}` : input.title;
  const response = await send(config.kind, base, options, {
    method: "POST",
    headers: { ...headers, "Content-Type": "application/json" },
    body: JSON.stringify({ source_branch: input.head, target_branch: input.base, title, description: input.body }),
  });
  const fields: ForgeErrorFields = { forge: "gitlab", url: base, status: response.status };
  if (response.status === 201) {
    const mr = parseAnswer(gitlabMergeRequestSchema, response, fields);
    return { url: mr.web_url, number: mr.iid, created: true };
  }
  const error = gitlabErrorSchema.safeParse(response.json);
  const detail = error.success ? gitlabDetail(error.data) : response.text.slice(0, 300);
  const withDetail = { ...fields, detail };

  if (response.status === 409 || /already exists/i.test(detail)) {
    const query = new URLSearchParams({ source_branch: input.head, target_branch: input.base, state: "opened" });
    const existing = await findExisting(config.kind, `${base}?${query.toString()}`, headers, options, z.array(gitlabMergeRequestSchema));
    if (existing[0]) return { url: existing[0].web_url, number: existing[0].iid, created: false };
    throw new PullRequestExistsError(
      `A merge request from ${input.head} into ${input.base} is already open on ${config.project}: ${detail}. Open it on GitLab.`,
      withDetail,
    );
  }
  if (/branch/i.test(detail) && /(does not exist|not found|invalid|is missing)/i.test(detail)) {
    const branch = /target/i.test(detail) ? input.base : input.head;
    throw new ForgeBranchMissingError(
      `GitLab has no branch ${branch} in ${config.project} (${detail}). Push it first${branch === input.base ? ", or check the project's base branch" : ""}.`,
      { ...withDetail, branch },
    );
  }
  throw statusError(config, response.status, detail, withDetail);
}

function gitlabDetail(body: z.infer<typeof gitlabErrorSchema>): string {
  if ("error" in body) return [body.error, body.error_description].filter(Boolean).join(": ");
  const message = body.message;
  if (typeof message === "string") return message;
  if (Array.isArray(message)) return message.join("; ");
  return Object.entries(message)
    .map(([field, texts]) => `${field} ${Array.isArray(texts) ? texts.join(", ") : texts}`)
    .join("; ");
}

// ---------------------------------------------------------------------------------------------

interface Answer {
  status: number;
  text: string;
  json: unknown;
}

async function send(forge: ForgeKind, url: string, options: ForgeRequestOptions, init: RequestInit): Promise<Answer> {
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  const doFetch = options.fetch ?? fetch;
  const name = forgeNames[forge];
  try {
    const response = await doFetch(url, { ...init, redirect: "error", signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    let json: unknown;
    try {
      json = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: response.status, text, json };
  } catch (error) {
    const fields = { forge, url, cause: error };
    if (error instanceof DOMException && (error.name === "TimeoutError" || error.name === "AbortError")) {
      throw new ForgeUnreachableError(
        "timed_out",
        `${name} at ${origin(url)} did not answer within ${Math.round(timeoutMs / 1000)} s. Check that the API base URL is right and the server is up, then try again.`,
        fields,
      );
    }
    const code = errorCode(error);
    throw new ForgeUnreachableError(
      "unreachable",
      `Wharf could not reach ${name} at ${origin(url)}${code ? ` (${code})` : ""}. Check the project's forge API base URL and the network, then try again.`,
      fields,
    );
  }
}

async function findExisting<T>(
  forge: ForgeKind,
  url: string,
  headers: Record<string, string>,
  options: ForgeRequestOptions,
  schema: z.ZodType<T[]>,
): Promise<T[]> {
  const answer = await send(forge, url, options, { method: "GET", headers });
  if (answer.status !== 200) return [];
  const parsed = schema.safeParse(answer.json);
  return parsed.success ? parsed.data : [];
}

function parseAnswer<T>(schema: z.ZodType<T>, answer: Answer, fields: ForgeErrorFields): T {
  const parsed = schema.safeParse(answer.json);
  if (parsed.success) return parsed.data;
  const name = forgeNames[fields.forge];
  throw new ForgeError(
    "bad_response",
    `${name} answered ${answer.status} but not with the expected JSON (${z.prettifyError(parsed.error)}). Check that the API base URL points at the ${name} REST API.`,
    { ...fields, detail: answer.text.slice(0, 300) },
  );
}

function statusError(config: ForgeConfig, status: number, detail: string, fields: ForgeErrorFields): ForgeError {
  const name = forgeNames[config.kind];
  const said = detail ? ` ${name} said: ${detail}.` : "";
  if (status === 401 || (status === 403 && !/rate limit/i.test(detail))) {
    return new ForgeAuthError(
      `${name} refused the project's ${name} token (${status}) for ${config.project}.${said} Save ${tokenAdvice[config.kind]} in the project's forge settings.`,
      fields,
    );
  }
  if (status === 404) {
    return new ForgeNotFoundError(
      `${name} has no repository ${config.project} that the project's token can see (404). Check the project path, the API base URL (${config.apiBase}) and that the token has access to it.`,
      fields,
    );
  }
  if (status === 403 || status === 429) {
    return new ForgeError("rejected", `${name} is rate-limiting requests (${status}).${said} Wait a few minutes and try again.`, fields);
  }
  return new ForgeError("rejected", `${name} refused the request (${status}).${said}`, fields);
}

function errorCode(error: unknown): string | undefined {
  const cause = error instanceof Error ? error.cause : undefined;
  const code = z.object({ code: z.string() }).safeParse(cause);
  return code.success ? code.data.code : undefined;
}

function origin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}

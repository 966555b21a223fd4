import { execFile as execFileCallback } from "node:child_process";
import { promisify } from "node:util";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A small forge for tests: a real HTTP server on 127.0.0.1 that answers GitHub's
 * `POST /repos/{owner}/{repo}/pulls` (and its list) and GitLab's
 * `POST /projects/{id}/merge_requests` (and its list) with the real response shapes, checks the
 * token (`Authorization: Bearer` / `PRIVATE-TOKEN`), knows which projects and branches exist,
 * refuses a second open request for the same branches as the real ones do, and records every
 * request. GitHub's API lives under `<url>/github`, GitLab's under `<url>/gitlab/api/v4`.
 */

const execFile = promisify(execFileCallback);

export interface FakeForgeRequest {
  forge: "github" | "gitlab";
  method: string;
  /** Path and query as received. */
  path: string;
  headers: Record<string, string | undefined>;
  body: unknown;
}

export interface FakeForgeOptions {
  /** The one token accepted. */
  token: string;
  /**
   * Projects that exist (`owner/repo`, `group/sub/repo`) with their branches: a list, or the path
   * of a (bare) git repository standing for the project, whose branches are read per request, so
   * a branch exists once it has been pushed there.
   */
  projects: Record<string, string[] | { repository: string }>;
  /** Answer nothing to these paths' requests, for timeouts (matched against the path). */
  hang?: RegExp;
}

export interface FakeForge {
  /** `http://127.0.0.1:<port>/github` — a GitHub (Enterprise-style) API base. */
  githubApiBase: string;
  /** `http://127.0.0.1:<port>/gitlab/api/v4` — a self-hosted GitLab API base. */
  gitlabApiBase: string;
  requests: FakeForgeRequest[];
  close(): Promise<void>;
}

interface Opened {
  project: string;
  head: string;
  base: string;
  number: number;
  url: string;
}

export async function startFakeForge(options: FakeForgeOptions): Promise<FakeForge> {
  const requests: FakeForgeRequest[] = [];
  const opened: Opened[] = [];
  let origin = "";
  const open = new Set<ServerResponse>();

  const server: Server = createServer((req, res) => {
    open.add(res);
    res.on("close", () => open.delete(res));
    handle(req, res).catch((error: unknown) => {
      send(res, 500, { message: `fake forge failed: ${String(error)}` });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    let body: unknown;
    try {
      body = raw.length > 0 ? JSON.parse(raw) : undefined;
    } catch {
      body = raw;
    }
    const url = new URL(req.url ?? "/", origin);
    const forge = url.pathname.startsWith("/gitlab/") ? "gitlab" : "github";
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value.join(", ") : value;
    requests.push({ forge, method: req.method ?? "", path: `${url.pathname}${url.search}`, headers, body });
    if (options.hang?.test(url.pathname)) return; // never answers

    if (forge === "github") return github(req, res, url, body);
    return gitlab(req, res, url, body);
  }

  async function branchesOf(project: string): Promise<string[] | undefined> {
    const known = options.projects[project];
    if (known === undefined || Array.isArray(known)) return known;
    // Without the host's GIT_* variables, which could point git at another repository.
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("GIT_")));
    const { stdout } = await execFile("git", ["for-each-ref", "--format=%(refname:short)", "refs/heads"], { cwd: known.repository, env });
    return stdout.split("\n").filter((line) => line.length > 0);
  }

  async function github(req: IncomingMessage, res: ServerResponse, url: URL, body: unknown): Promise<void> {
    if (req.headers.authorization !== `Bearer ${options.token}`) {
      return send(res, 401, { message: "Bad credentials", documentation_url: "https://docs.github.com/rest", status: "401" });
    }
    const match = /^\/github\/repos\/([^/]+)\/([^/]+)\/pulls$/.exec(url.pathname);
    const project = match ? `${decodeURIComponent(match[1] ?? "")}/${decodeURIComponent(match[2] ?? "")}` : "";
    const branches = await branchesOf(project);
    if (!match || !branches) return send(res, 404, { message: "Not Found", documentation_url: "https://docs.github.com/rest", status: "404" });
    if (req.method === "GET") {
      const head = url.searchParams.get("head")?.split(":").pop();
      const base = url.searchParams.get("base");
      const list = opened.filter((pr) => pr.project === project && (!head || pr.head === head) && (!base || pr.base === base));
      return send(res, 200, list.map((pr) => ({ html_url: pr.url, number: pr.number, state: "open", head: { ref: pr.head }, base: { ref: pr.base } })));
    }
    const input = body as { head?: string; base?: string; title?: string; body?: string; draft?: boolean };
    const invalid = (["head", "base"] as const).filter((field) => !branches.includes(String(input[field])));
    if (invalid.length > 0) {
      return send(res, 422, {
        message: "Validation Failed",
        errors: invalid.map((field) => ({ resource: "PullRequest", field, code: "invalid" })),
        documentation_url: "https://docs.github.com/rest/pulls/pulls#create-a-pull-request",
        status: "422",
      });
    }
    if (opened.some((pr) => pr.project === project && pr.head === input.head && pr.base === input.base)) {
      return send(res, 422, {
        message: "Validation Failed",
        errors: [{ resource: "PullRequest", code: "custom", message: `A pull request already exists for ${project.split("/")[0]}:${input.head}.` }],
        documentation_url: "https://docs.github.com/rest/pulls/pulls#create-a-pull-request",
        status: "422",
      });
    }
    const number = opened.length + 1;
    const pr = { project, head: String(input.head), base: String(input.base), number, url: `https://github.example/${project}/pull/${number}` };
    opened.push(pr);
    return send(res, 201, {
      id: 1000 + number,
      number,
      html_url: pr.url,
      url: `${origin}/github/repos/${project}/pulls/${number}`,
      state: "open",
      title: input.title,
      body: input.body,
      draft: input.draft ?? false,
      head: { ref: pr.head },
      base: { ref: pr.base },
    });
  }

  async function gitlab(req: IncomingMessage, res: ServerResponse, url: URL, body: unknown): Promise<void> {
    if (req.headers["private-token"] !== options.token) return send(res, 401, { message: "401 Unauthorized" });
    // The project id arrives URL-encoded (group%2Fsub%2Frepo), so it is one path segment here.
    const match = /^\/gitlab\/api\/v4\/projects\/([^/]+)\/merge_requests$/.exec(url.pathname);
    const project = match ? decodeURIComponent(match[1] ?? "") : "";
    const branches = await branchesOf(project);
    if (!match || !branches) return send(res, 404, { message: "404 Project Not Found" });
    if (req.method === "GET") {
      const source = url.searchParams.get("source_branch");
      const target = url.searchParams.get("target_branch");
      const list = opened.filter((mr) => mr.project === project && (!source || mr.head === source) && (!target || mr.base === target));
      return send(res, 200, list.map((mr) => ({ iid: mr.number, web_url: mr.url, state: "opened", source_branch: mr.head, target_branch: mr.base })));
    }
    const input = body as { source_branch?: string; target_branch?: string; title?: string; description?: string };
    if (!branches.includes(String(input.source_branch))) {
      return send(res, 422, { message: [`Source branch "${input.source_branch}" does not exist`] });
    }
    if (!branches.includes(String(input.target_branch))) {
      return send(res, 422, { message: [`Target branch "${input.target_branch}" does not exist`] });
    }
    const existing = opened.find((mr) => mr.project === project && mr.head === input.source_branch && mr.base === input.target_branch);
    if (existing) {
      return send(res, 409, { message: [`Another open merge request already exists for this source branch: !${existing.number}`] });
    }
    const iid = opened.length + 1;
    const mr = { project, head: String(input.source_branch), base: String(input.target_branch), number: iid, url: `https://gitlab.example/${project}/-/merge_requests/${iid}` };
    opened.push(mr);
    return send(res, 201, {
      id: 5000 + iid,
      iid,
      project_id: 42,
      title: input.title,
      description: input.description,
      state: "opened",
      draft: /^draft:/i.test(String(input.title)),
      source_branch: mr.head,
      target_branch: mr.base,
      web_url: mr.url,
    });
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;
  return {
    githubApiBase: `${origin}/github`,
    gitlabApiBase: `${origin}/gitlab/api/v4`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const res of open) res.destroy();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

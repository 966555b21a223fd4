import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createPullRequest } from "./client";
import { type ForgeConfig, defaultApiBase } from "./config";
import {
  ForgeAuthError,
  ForgeBranchMissingError,
  type ForgeError,
  ForgeNotFoundError,
  ForgeUnreachableError,
} from "./errors";
import { type FakeForge, startFakeForge } from "./testing/fake-forge";

const token = "test-token-123";
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function forge(extra: { hang?: RegExp } = {}): Promise<FakeForge> {
  const fake = await startFakeForge({
    token,
    projects: { "acme/app": ["main", "wharf/t1"], "group/sub/app": ["main", "wharf/t1"] },
    ...extra,
  });
  cleanups.push(fake.close);
  return fake;
}

const request = { head: "wharf/t1", base: "main", title: "Rename line two", body: "## Prompt\n> do it\n" };

async function failure(promise: Promise<unknown>): Promise<ForgeError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (error === undefined) throw new Error("expected the request to fail");
  return error as ForgeError;
}

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("GitHub", () => {
  const config = (fake: FakeForge, extra: Partial<ForgeConfig> = {}): ForgeConfig => ({
    kind: "github",
    apiBase: fake.githubApiBase,
    project: "acme/app",
    token,
    ...extra,
  });

  it("opens a pull request with head, base, title, body and draft, and the documented headers", async () => {
    const fake = await forge();
    const pr = await createPullRequest(config(fake), { ...request, draft: true });
    expect(pr).toEqual({ url: "https://github.example/acme/app/pull/1", number: 1, created: true });
    expect(fake.requests).toHaveLength(1);
    const [sent] = fake.requests;
    expect(sent).toMatchObject({ method: "POST", path: "/github/repos/acme/app/pulls" });
    expect(sent?.body).toEqual({ head: "wharf/t1", base: "main", title: "Rename line two", body: request.body, draft: true });
    expect(sent?.headers).toMatchObject({
      authorization: `Bearer ${token}`,
      accept: "application/vnd.github+json",
      "x-github-api-version": "2022-11-28",
    });
  });

  it("returns the open pull request when one exists for the branches", async () => {
    const fake = await forge();
    await createPullRequest(config(fake), request);
    expect(await createPullRequest(config(fake), request)).toEqual({
      url: "https://github.example/acme/app/pull/1",
      number: 1,
      created: false,
    });
    expect(fake.requests.map((r) => r.method)).toEqual(["POST", "POST", "GET"]);
    expect(fake.requests[2]?.path).toBe("/github/repos/acme/app/pulls?head=acme%3Awharf%2Ft1&base=main&state=open");
  });

  it("says which token and which scope when the token is refused", async () => {
    const fake = await forge();
    const error = await failure(createPullRequest(config(fake, { token: "wrong" }), request));
    expect(error).toBeInstanceOf(ForgeAuthError);
    expect(error).toMatchObject({ kind: "auth_failed", status: 401, forge: "github" });
    expect(error.message).toMatch(/refused the project's GitHub token \(401\) for acme\/app.*Bad credentials.*`repo` scope/);
    expect(error.message).not.toContain("wrong");
  });

  it("reports a repository it cannot see", async () => {
    const fake = await forge();
    const error = await failure(createPullRequest(config(fake, { project: "acme/missing" }), request));
    expect(error).toBeInstanceOf(ForgeNotFoundError);
    expect(error.message).toMatch(/no repository acme\/missing that the project's token can see/);
  });

  it("reports a branch that was not pushed", async () => {
    const fake = await forge();
    const error = await failure(createPullRequest(config(fake), { ...request, head: "wharf/t2" }));
    expect(error).toBeInstanceOf(ForgeBranchMissingError);
    expect(error).toMatchObject({ branch: "wharf/t2", status: 422 });
    expect(error.message).toMatch(/no branch wharf\/t2 in acme\/app\. Push it first/);
  });

  it("reports an unreachable forge", async () => {
    const error = await failure(
      createPullRequest({ kind: "github", apiBase: `http://127.0.0.1:${await closedPort()}/api/v3`, project: "acme/app", token }, request),
    );
    expect(error).toBeInstanceOf(ForgeUnreachableError);
    expect(error.kind).toBe("unreachable");
    expect(error.message).toMatch(/could not reach GitHub at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
  });

  it("gives up after the timeout when the forge does not answer", async () => {
    const fake = await forge({ hang: /pulls$/ });
    const error = await failure(createPullRequest(config(fake), request, { timeoutMs: 300 }));
    expect(error).toBeInstanceOf(ForgeUnreachableError);
    expect(error.kind).toBe("timed_out");
  });

  it("rejects an answer that is not the documented shape", async () => {
    const server = createServer((_req, res) => {
      res.writeHead(201, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ ok: true }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const { port } = server.address() as AddressInfo;
    const error = await failure(createPullRequest({ kind: "github", apiBase: `http://127.0.0.1:${port}`, project: "acme/app", token }, request));
    expect(error).toMatchObject({ kind: "bad_response", status: 201 });
    expect(error.message).toMatch(/html_url/);
  });
});

describe("GitLab", () => {
  const config = (fake: FakeForge, extra: Partial<ForgeConfig> = {}): ForgeConfig => ({
    kind: "gitlab",
    apiBase: fake.gitlabApiBase,
    project: "group/sub/app",
    token,
    ...extra,
  });

  it("opens a merge request for a nested group, with the token header and a draft title", async () => {
    const fake = await forge();
    const mr = await createPullRequest(config(fake), { ...request, draft: true });
    expect(mr).toEqual({ url: "https://gitlab.example/group/sub/app/-/merge_requests/1", number: 1, created: true });
    const [sent] = fake.requests;
    expect(sent).toMatchObject({ method: "POST", path: "/gitlab/api/v4/projects/group%2Fsub%2Fapp/merge_requests" });
    expect(sent?.headers["private-token"]).toBe(token);
    expect(sent?.body).toEqual({
      source_branch: "wharf/t1",
      target_branch: "main",
      title: "Draft: Rename line two",
      description: request.body,
    });
  });

  it("returns the open merge request when GitLab says one exists (409)", async () => {
    const fake = await forge();
    await createPullRequest(config(fake), request);
    expect(await createPullRequest(config(fake), request)).toMatchObject({ number: 1, created: false });
  });

  it("says which token and which scope when the token is refused", async () => {
    const fake = await forge();
    const error = await failure(createPullRequest(config(fake, { token: "wrong" }), request));
    expect(error).toBeInstanceOf(ForgeAuthError);
    expect(error.message).toMatch(/refused the project's GitLab token \(401\).*401 Unauthorized.*`api` scope/);
  });

  it("reports a missing project and a missing target branch", async () => {
    const fake = await forge();
    expect(await failure(createPullRequest(config(fake, { project: "group/other" }), request))).toBeInstanceOf(ForgeNotFoundError);
    const error = await failure(createPullRequest(config(fake), { ...request, base: "release" }));
    expect(error).toBeInstanceOf(ForgeBranchMissingError);
    expect(error).toMatchObject({ branch: "release" });
  });
});

describe("defaultApiBase", () => {
  it("knows github.com, GitHub Enterprise and GitLab hosts", () => {
    expect(defaultApiBase("github", "github.com")).toBe("https://api.github.com");
    expect(defaultApiBase("github", "ghe.corp.example")).toBe("https://ghe.corp.example/api/v3");
    expect(defaultApiBase("gitlab", "gitlab.com")).toBe("https://gitlab.com/api/v4");
    expect(defaultApiBase("gitlab", "git.example.com:8443")).toBe("https://git.example.com:8443/api/v4");
  });
});

import { chmod, mkdir, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { NoSuchRemoteError, PushAuthError, type PushError, PushRejectedError, pushBranch, RemoteUnreachableError } from "./push";
import { detectRemote, listRemotes, parseRemoteUrl } from "./remote";
import { createTempDir, createTestRepo, gitOutput, startPasswordServer, type TestRepo } from "./testing";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

interface Setup {
  repo: TestRepo;
  bare: string;
  remoteGit: (...args: string[]) => Promise<string>;
}

/** A repository with a task branch, and a bare repository as its `origin`. */
async function setup(): Promise<Setup> {
  const repo = await createTestRepo({ "a.txt": "a\n" });
  const root = await createTempDir("wharf-remote-");
  cleanups.push(repo.remove, () => rm(root, { recursive: true, force: true }));
  const bare = join(root, "remote.git");
  await gitOutput(root, "init", "--quiet", "--bare", bare);
  await repo.git("remote", "add", "origin", bare);
  await repo.git("push", "--quiet", "origin", "main");
  await repo.git("switch", "--quiet", "-c", "wharf/t1");
  await repo.commit({ "a.txt": "a from the task\n" }, "task");
  await repo.git("switch", "--quiet", "main");
  return { repo, bare, remoteGit: (...args) => gitOutput(bare, ...args) };
}

async function expectPushError<T extends PushError>(promise: Promise<unknown>, type: new (...args: never[]) => T): Promise<T> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(type);
  return error as T;
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  return port;
}

describe("pushBranch", () => {
  it("lands the branch in the remote, under another name if asked", async () => {
    const { repo, remoteGit } = await setup();
    const result = await pushBranch({ repoPath: repo.path, remote: "origin", branch: "wharf/t1" });
    const tip = await repo.git("rev-parse", "wharf/t1");
    expect(result).toMatchObject({ remote: "origin", remoteBranch: "wharf/t1", commit: tip, updated: true });
    expect(await remoteGit("rev-parse", "refs/heads/wharf/t1")).toBe(tip);

    expect(await pushBranch({ repoPath: repo.path, remote: "origin", branch: "wharf/t1" })).toMatchObject({ updated: false });
    await pushBranch({ repoPath: repo.path, remote: "origin", branch: "wharf/t1", remoteBranch: "feature/t1" });
    expect(await remoteGit("rev-parse", "refs/heads/feature/t1")).toBe(tip);
  });

  it("reports a non-fast-forward rejection and leaves the remote as it was", async () => {
    const { repo, remoteGit } = await setup();
    await pushBranch({ repoPath: repo.path, remote: "origin", branch: "wharf/t1", remoteBranch: "main" });
    await repo.git("switch", "--quiet", "-c", "other");
    await repo.commit({ "b.txt": "b\n" });
    const remoteMain = await remoteGit("rev-parse", "refs/heads/main");

    const error = await expectPushError(
      pushBranch({ repoPath: repo.path, remote: "origin", branch: "other", remoteBranch: "main" }),
      PushRejectedError,
    );
    expect(error).toMatchObject({ kind: "rejected", reason: "non_fast_forward", remote: "origin", branch: "other" });
    expect(error.message).toMatch(/rejected the push of other to main.*rebase the task/);
    expect(await remoteGit("rev-parse", "refs/heads/main")).toBe(remoteMain);
  });

  it("reports a protected branch refused by the remote's hook, with the remote's words", async () => {
    const { repo, bare, remoteGit } = await setup();
    await mkdir(join(bare, "hooks"), { recursive: true });
    const hook = join(bare, "hooks", "pre-receive");
    await writeFile(hook, "#!/bin/sh\necho 'GL-HOOK-ERR: You are not allowed to push code to protected branches on this project.' >&2\nexit 1\n");
    await chmod(hook, 0o755);

    const error = await expectPushError(pushBranch({ repoPath: repo.path, remote: "origin", branch: "wharf/t1" }), PushRejectedError);
    expect(error.reason).toBe("protected");
    expect(error.remoteMessages.join("\n")).toContain("protected branches");
    expect(error.message).toMatch(/protected on origin/);
    expect(await remoteGit("for-each-ref", "refs/heads/wharf")).toBe("");
  });

  it("names the missing remote and the ones there are", async () => {
    const { repo } = await setup();
    const error = await expectPushError(pushBranch({ repoPath: repo.path, remote: "upstream", branch: "wharf/t1" }), NoSuchRemoteError);
    expect(error).toMatchObject({ kind: "no_such_remote", remote: "upstream", available: ["origin"] });
    expect(error.message).toMatch(/no remote named "upstream".*origin.*git remote add upstream/);
  });

  it("reports a remote path that does not exist as unreachable", async () => {
    const { repo } = await setup();
    await repo.git("remote", "add", "gone", "/nonexistent/wharf/remote.git");
    const error = await expectPushError(pushBranch({ repoPath: repo.path, remote: "gone", branch: "wharf/t1" }), RemoteUnreachableError);
    expect(error).toMatchObject({ kind: "unreachable", url: "/nonexistent/wharf/remote.git" });
    expect(error.message).toMatch(/could not be reached/);
  });

  it("reports a loopback port nobody listens on as unreachable", async () => {
    const { repo } = await setup();
    const url = `http://127.0.0.1:${await closedPort()}/remote.git`;
    await repo.git("remote", "add", "down", url);
    const error = await expectPushError(pushBranch({ repoPath: repo.path, remote: "down", branch: "wharf/t1" }), RemoteUnreachableError);
    expect(error.url).toBe(url);
  });

  it("fails at once with an auth error when the server wants credentials", async () => {
    const { repo } = await setup();
    const server = await startPasswordServer();
    cleanups.push(server.close);
    await repo.git("remote", "add", "locked", server.url("/remote.git"));

    const error = await expectPushError(pushBranch({ repoPath: repo.path, remote: "locked", branch: "wharf/t1" }), PushAuthError);
    expect(error.kind).toBe("auth_failed");
    expect(error.message).toMatch(/did not accept the credentials.*credential helper/);
  });
});

describe("remotes", () => {
  it("detects origin, else the only remote, else none", async () => {
    const repo = await createTestRepo();
    cleanups.push(repo.remove);
    expect(await detectRemote(repo.path)).toBeUndefined();
    await repo.git("remote", "add", "upstream", "https://github.com/acme/app.git");
    expect(await detectRemote(repo.path)).toEqual({ name: "upstream", url: "https://github.com/acme/app.git" });
    await repo.git("remote", "add", "fork", "git@github.com:me/app.git");
    expect(await detectRemote(repo.path)).toBeUndefined();
    await repo.git("remote", "add", "origin", "git@gitlab.com:acme/app.git");
    expect(await detectRemote(repo.path)).toEqual({ name: "origin", url: "git@gitlab.com:acme/app.git" });
    expect((await listRemotes(repo.path)).map((remote) => remote.name).sort()).toEqual(["fork", "origin", "upstream"]);
  });

  it.each([
    ["https://github.com/acme/app.git", { host: "github.com", owner: "acme", repo: "app", path: "acme/app", forge: "github" }],
    ["https://github.com/acme/app", { host: "github.com", owner: "acme", repo: "app", forge: "github" }],
    ["git@github.com:acme/app.git", { host: "github.com", owner: "acme", repo: "app", forge: "github" }],
    ["ssh://git@github.example.com:2222/acme/app.git", { host: "github.example.com", owner: "acme", repo: "app", forge: "github" }],
    ["https://user@ghe.corp.example/acme/app.git", { host: "ghe.corp.example", owner: "acme", repo: "app", forge: undefined }],
    ["https://gitlab.com/group/sub/deeper/app.git", { host: "gitlab.com", owner: "group/sub/deeper", repo: "app", path: "group/sub/deeper/app", forge: "gitlab" }],
    ["git@gitlab.example.com:group/sub/app.git", { host: "gitlab.example.com", owner: "group/sub", repo: "app", forge: "gitlab" }],
    ["https://gitlab.example.com:8443/group/app.git/", { host: "gitlab.example.com:8443", owner: "group", repo: "app", forge: "gitlab" }],
  ])("reads %s", (url, expected) => {
    expect(parseRemoteUrl(url)).toMatchObject(expected);
  });

  it.each(["/srv/git/app.git", "./app", "file:///srv/git/app.git", "https://github.com/acme", "not a url"])(
    "gives nothing for %s",
    (url) => {
      expect(parseRemoteUrl(url)).toBeUndefined();
    },
  );
});

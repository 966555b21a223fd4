import { mkdir, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { GitError } from "./git-error";
import { inspectRepo } from "./inspect-repo";
import { runGit } from "./run-git";
import { createTempDir, createTestRepo, type TestRepo } from "./testing";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function repo(): Promise<TestRepo> {
  const created = await createTestRepo();
  cleanups.push(created.remove);
  return created;
}

async function tempDir(): Promise<string> {
  const dir = await createTempDir();
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function expectGitError(promise: Promise<unknown>, code: string, text: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(GitError);
  expect((error as GitError).code).toBe(code);
  expect((error as GitError).message).toMatch(text);
}

describe("inspectRepo", () => {
  it("reports the root, checked-out branch and its commit", async () => {
    const test = await repo();
    await test.git("switch", "--quiet", "-c", "develop");
    const head = await test.commit({ "a.txt": "a\n" });
    await mkdir(join(test.path, "sub"));
    const link = join(test.path, "..", "link");
    await symlink(test.path, link);

    expect(await inspectRepo(join(link, "sub"))).toEqual({ root: test.path, baseBranch: "develop", headCommit: head });
  });

  it("says when the path does not exist or is a file", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "file"), "x");
    await expectGitError(inspectRepo(join(dir, "missing")), "not_found", /does not exist/);
    await expectGitError(inspectRepo(join(dir, "file")), "not_a_directory", /is a file/);
  });

  it("says when the folder is not a repository, or a bare one", async () => {
    const dir = await tempDir();
    await expectGitError(inspectRepo(dir), "not_a_repository", /not a git repository.*git init/);
    const bare = join(dir, "bare.git");
    await mkdir(bare);
    await runGit(["init", "--quiet", "--bare"], { cwd: bare });
    await expectGitError(inspectRepo(bare), "not_a_repository", /bare repository.*clone/i);
  });

  it("says when the repository has no commits", async () => {
    const dir = await tempDir();
    await runGit(["init", "--quiet"], { cwd: dir });
    await expectGitError(inspectRepo(dir), "no_commits", /no commits yet/);
  });

  it("asks for a branch when HEAD is detached", async () => {
    const test = await repo();
    await test.git("checkout", "--quiet", "--detach");
    await expectGitError(inspectRepo(test.path), "detached_head", /git switch/);
  });
});

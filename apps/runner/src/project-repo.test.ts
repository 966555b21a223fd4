import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger } from "./logger";
import { ProjectRepos } from "./project-repo";
import { git, makeRepo } from "./testing/git-fixture";

const scratch = mkdtempSync(path.join(os.tmpdir(), "wharf-project-repo-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const repos = new ProjectRepos({ reposDir: path.join(scratch, "repos"), fetchTimeoutMs: 30_000, log: createLogger("project-repo-test") });
const project = (repoPath: string, cloneUrl: string | null) => ({ projectId: "p1", repoPath, repoManaged: false, cloneUrl, baseBranch: "main" });

describe("which repository a runner uses for a project", () => {
  it("uses the project's path when this host sees a repository there, and clones nothing", async () => {
    const checkout = makeRepo();
    const repo = await repos.prepare(project(checkout, "/nowhere.git"));
    expect(repo).toEqual({ path: checkout, own: false });
    expect(existsSync(path.join(scratch, "repos"))).toBe(false);
  });

  it("clones the URL into its own folder when the path is not there, and fetches the base each time", async () => {
    const source = makeRepo();
    const bare = path.join(scratch, "remote.git");
    git(scratch, "clone", "-q", "--bare", source, bare);
    const elsewhere = project(path.join(scratch, "only-on-the-web-host"), bare);
    const repo = await repos.prepare(elsewhere);
    expect(repo).toEqual({ path: path.join(scratch, "repos", "p1"), own: true });
    expect(git(repo.path, "rev-parse", "main")).toBe(git(bare, "rev-parse", "main"));
    git(source, "commit", "-q", "--allow-empty", "-m", "moved");
    git(source, "push", "-q", bare, "main");
    await repos.prepare(elsewhere);
    expect(git(repo.path, "rev-parse", "main")).toBe(git(source, "rev-parse", "main"));
  });

  it("says what to do when it sees neither the path nor a URL", async () => {
    await expect(repos.prepare(project(path.join(scratch, "gone"), null))).rejects.toThrow(/cannot see the project's repository at .*gone and the project has no clone URL/);
  });
});

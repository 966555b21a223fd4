import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { applyChange } from "./apply-change";
import { commitAll } from "./commit-all";
import { computeChange } from "./compute-change";
import { silentLogger } from "./logger";
import { gitEnv, runGit } from "./run-git";
import { createTempDir, createTestRepo, gitOutput } from "./testing";
import { createWorktree } from "./worktree";

const cleanups: Array<() => Promise<void>> = [];
const savedEnv = { ...process.env };
let home: string;

beforeEach(async () => {
  home = await createTempDir("wharf-home-");
  cleanups.push(() => rm(home, { recursive: true, force: true }));
});

afterEach(async () => {
  for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
  Object.assign(process.env, savedEnv);
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A global configuration that would break or change every git command Wharf runs. */
async function hostileGlobalConfig(): Promise<string> {
  const hooks = join(home, "hooks");
  const marker = join(home, "hook-ran");
  await mkdir(hooks);
  for (const hook of ["pre-commit", "commit-msg", "post-commit", "post-checkout", "reference-transaction", "post-index-change"]) {
    await writeFile(join(hooks, hook), `#!/bin/sh\necho ${hook} >> '${marker}'\nexit 1\n`);
    await chmod(join(hooks, hook), 0o755);
  }
  await writeFile(
    join(home, ".gitconfig"),
    [
      "[core]",
      `\thooksPath = ${hooks}`,
      "\tquotePath = true",
      "[commit]",
      "\tgpgSign = true",
      "[gpg]",
      "\tprogram = /bin/false",
      "[diff]",
      "\tnoprefix = true",
      "\tmnemonicPrefix = true",
      "\trenames = false",
      "\tcontext = 10",
      "\texternal = /bin/false",
      "[color]",
      "\tui = always",
      "\tdiff = always",
      "[user]",
      "\tname = Someone Else",
      "\temail = someone@example.invalid",
      "",
    ].join("\n"),
  );
  process.env.HOME = home;
  process.env.XDG_CONFIG_HOME = join(home, ".config");
  return marker;
}

describe("runGit", () => {
  it("drops inherited GIT_* variables that would point git elsewhere", async () => {
    const repo = await createTestRepo();
    cleanups.push(repo.remove);
    process.env.GIT_DIR = join(home, "elsewhere.git");
    process.env.GIT_INDEX_FILE = join(home, "index");
    process.env.GIT_SSL_CAINFO = "/etc/ssl/certs/ca-certificates.crt";

    expect(Object.keys(gitEnv()).filter((name) => name.startsWith("GIT_"))).toEqual([]);
    expect(await repo.git("rev-parse", "--show-toplevel")).toBe(repo.path);
    expect(existsSync(join(home, "elsewhere.git"))).toBe(false);
  });

  it("returns allowed non-zero exit codes and throws for others", async () => {
    const repo = await createTestRepo();
    cleanups.push(repo.remove);
    const missing = await runGit(["rev-parse", "-q", "--verify", "nope"], { cwd: repo.path, okExitCodes: [1] });
    expect(missing.exitCode).toBe(1);
    await expect(runGit(["rev-parse", "--verify", "nope"], { cwd: repo.path })).rejects.toMatchObject({
      code: "git_failed",
      exitCode: 128,
      stderr: expect.stringContaining("Needed a single revision"),
    });
  });

  it("behaves the same whatever the user's global git configuration says", async () => {
    const marker = await hostileGlobalConfig();
    const repo = await createTestRepo({ "a.txt": "a\n", "notes.txt": "1\n2\n3\n4\n5\n6\n7\n8\n" });
    const worktreesDir = await createTempDir("wharf-worktrees-");
    cleanups.push(repo.remove, () => rm(worktreesDir, { recursive: true, force: true }));

    const task = await createWorktree({ repoPath: repo.path, baseBranch: "main", taskId: "t1", worktreesDir, logger: silentLogger });
    await writeFile(join(task.path, "a.txt"), "changed\n");
    await rm(join(task.path, "notes.txt"));
    await writeFile(join(task.path, "notes ü.txt"), "1\n2\n3\n4\n5\n6\n7\n8\n9\n");
    const { headCommit, changed } = await commitAll({ repoPath: repo.path, worktreePath: task.path, branch: task.branch, message: "task" });
    expect(changed).toBe(true);
    expect(await gitOutput(task.path, "show", "-s", "--format=%an|%G?", "HEAD")).toBe("Wharf|N");

    const change = await computeChange({ worktreePath: task.path, baseCommit: task.baseCommit, headCommit });
    expect(change.files.map((f) => [f.status, f.path])).toEqual([
      ["modified", "a.txt"],
      ["renamed", "notes ü.txt"],
    ]);
    expect(change.diff).toMatch(/^diff --git a\/a\.txt b\/a\.txt\nindex \w+\.\.\w+ 100644\n--- a\/a\.txt\n\+\+\+ b\/a\.txt\n@@ -1 \+1 @@\n-a\n\+changed\n/);
    expect(change.diff).toContain("@@ -6,3 +6,4 @@\n 6\n 7\n 8\n+9\n");
    expect(change.diff).toContain("rename to notes ü.txt\n");
    expect(change.diff).not.toContain("\u001b[");

    const applied = await applyChange({
      repoPath: repo.path,
      baseBranch: "main",
      branch: task.branch,
      baseCommit: task.baseCommit,
      headCommit,
      message: "Task (wharf task t1)",
      logger: silentLogger,
    });
    expect(applied.ok).toBe(true);
    expect(await readFile(join(repo.path, "a.txt"), "utf8")).toBe("changed\n");
    expect(existsSync(marker)).toBe(false);
  });
});

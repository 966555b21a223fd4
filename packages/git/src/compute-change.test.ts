import { chmod, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { commitAll } from "./commit-all";
import { computeChange, diffTruncationMarker } from "./compute-change";
import { silentLogger } from "./logger";
import { createTempDir, createTestRepo } from "./testing";
import { createWorktree, type TaskWorktree } from "./worktree";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const lines = (count: number, prefix = "line") => Array.from({ length: count }, (_, i) => `${prefix} ${i + 1}\n`).join("");

async function taskWorktree(files: Record<string, string | Buffer>): Promise<TaskWorktree & { repoPath: string }> {
  const repo = await createTestRepo(files);
  const worktreesDir = await createTempDir("wharf-worktrees-");
  cleanups.push(repo.remove, () => rm(worktreesDir, { recursive: true, force: true }));
  return { ...(await createWorktree({ repoPath: repo.path, baseBranch: "main", taskId: "t1", worktreesDir, logger: silentLogger })), repoPath: repo.path };
}

describe("computeChange", () => {
  it("lists every kind of change with line counts, and the unified diff", async () => {
    const worktree = await taskWorktree({
      "edit.txt": lines(10),
      "gone.txt": "bye\n",
      "old name.txt": lines(40),
      "script.sh": "echo hi\n",
      "image.png": Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0x02]),
    });
    const at = (file: string) => join(worktree.path, file);
    await writeFile(at("edit.txt"), lines(10).replace("line 3\n", "line three\n").concat("line 11\n"));
    await rm(at("gone.txt"));
    await rm(at("old name.txt"));
    await writeFile(at("new ü.txt"), lines(40).concat("one more\n"));
    await chmod(at("script.sh"), 0o755);
    await writeFile(at("image.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x09]));
    await writeFile(at("untracked.txt"), "fresh\n");

    const { headCommit } = await commitAll({ repoPath: worktree.repoPath, worktreePath: worktree.path, branch: worktree.branch, message: "task" });
    const change = await computeChange({ worktreePath: worktree.path, baseCommit: worktree.baseCommit, headCommit });

    expect(change.files).toEqual([
      { path: "edit.txt", status: "modified", additions: 2, deletions: 1, binary: false },
      { path: "gone.txt", status: "deleted", additions: 0, deletions: 1, binary: false },
      { path: "image.png", status: "modified", additions: 0, deletions: 0, binary: true },
      { path: "new ü.txt", oldPath: "old name.txt", status: "renamed", additions: 1, deletions: 0, binary: false },
      { path: "script.sh", status: "modified", additions: 0, deletions: 0, binary: false },
      { path: "untracked.txt", status: "added", additions: 1, deletions: 0, binary: false },
    ]);
    expect(change.additions).toBe(4);
    expect(change.deletions).toBe(2);
    expect(change.diffTruncated).toBe(false);
    expect(change.diff).toContain("diff --git a/edit.txt b/edit.txt\n");
    expect(change.diff).toContain("-line 3\n+line three\n");
    expect(change.diff).toContain("rename from old name.txt\nrename to new ü.txt\n");
    expect(change.diff).toContain("Binary files a/image.png and b/image.png differ\n");
    expect(change.diff).toContain("old mode 100644\nnew mode 100755\n");
    expect(change.diff).toContain("+++ b/untracked.txt\n@@ -0,0 +1 @@\n+fresh\n");
    expect(change.diff).not.toContain("\u001b[");
  });

  it("cuts a long diff at a line end and says so, keeping the file list whole", async () => {
    const worktree = await taskWorktree({ "keep.txt": "k\n" });
    await writeFile(join(worktree.path, "big.txt"), lines(5000));
    await writeFile(join(worktree.path, "small.txt"), "s\n");
    const { headCommit } = await commitAll({ repoPath: worktree.repoPath, worktreePath: worktree.path, branch: worktree.branch, message: "task" });

    const change = await computeChange({
      worktreePath: worktree.path,
      baseCommit: worktree.baseCommit,
      headCommit,
      maxDiffBytes: 10_000,
    });
    expect(change.diffTruncated).toBe(true);
    const [kept, marker] = change.diff.split(diffTruncationMarker);
    expect(Buffer.byteLength(kept ?? "")).toBeLessThanOrEqual(10_000);
    expect(kept).toMatch(/\+line \d+\n$/);
    expect(marker).toMatch(/MiB/);
    expect(change.files.map((f) => f.path)).toEqual(["big.txt", "small.txt"]);
    expect(change.additions).toBe(5001);
  });

  it("is empty between a commit and itself", async () => {
    const worktree = await taskWorktree({ "a.txt": "a\n" });
    expect(
      await computeChange({ worktreePath: worktree.path, baseCommit: worktree.baseCommit, headCommit: worktree.baseCommit }),
    ).toEqual({ files: [], additions: 0, deletions: 0, diff: "", diffTruncated: false });
  });
});

import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync, existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createWorktree } from "@wharf/git";
import { describe, expect, it } from "vitest";
import { makeRepo } from "../testing/git-fixture";
import { copyIgnoredFiles } from "./copy-files";

describe("copyIgnoredFiles", () => {
  it("copies ignored files and globs; skips symlinks, files outside the checkout and files git would commit", async () => {
    const repo = makeRepo({ ".gitignore": ".env\nconfig/*.key\nlink.env\nescape/\n" });
    writeFileSync(path.join(repo, ".env"), "A=1\n");
    mkdirSync(path.join(repo, "config"));
    writeFileSync(path.join(repo, "config/a.key"), "key a\n");
    writeFileSync(path.join(repo, "config/b.key"), "key b\n");
    writeFileSync(path.join(repo, "notes.txt"), "untracked, not ignored\n");
    const outside = mkdtempSync(path.join(os.tmpdir(), "wharf-outside-"));
    writeFileSync(path.join(outside, "secret"), "not the project's\n");
    symlinkSync(path.join(outside, "secret"), path.join(repo, "link.env"));
    symlinkSync(outside, path.join(repo, "escape"));

    const worktree = await createWorktree({ repoPath: repo, baseBranch: "main", taskId: "00000000-0000-4000-8000-00000000c0f1", worktreesDir: mkdtempSync(path.join(os.tmpdir(), "wharf-wt-")) });
    const result = await copyIgnoredFiles({ from: repo, to: worktree.path, patterns: [".env", "config/*.key", "link.env", "escape/secret", "notes.txt", "README.md", "nothing/*"] });

    expect(result.copied).toEqual([".env", "config/a.key", "config/b.key"]);
    expect(readFileSync(path.join(worktree.path, "config/b.key"), "utf8")).toBe("key b\n");
    const reasons = Object.fromEntries(result.skipped.map((s) => [s.path, s.reason]));
    expect(reasons["link.env"]).toMatch(/symbolic link/);
    expect(reasons["escape/secret"]).toMatch(/outside the project's checkout/);
    expect(reasons["notes.txt"]).toMatch(/not ignored by git/);
    expect(reasons["README.md"]).toMatch(/not ignored by git/);
    expect(reasons["nothing/*"]).toMatch(/matches no file/);
    expect(existsSync(path.join(worktree.path, "link.env"))).toBe(false);
    expect(existsSync(path.join(worktree.path, "escape"))).toBe(false);

    // A second run overwrites nothing.
    writeFileSync(path.join(worktree.path, ".env"), "changed in the worktree\n");
    const again = await copyIgnoredFiles({ from: repo, to: worktree.path, patterns: [".env"] });
    expect(again.copied).toEqual([]);
    expect(readFileSync(path.join(worktree.path, ".env"), "utf8")).toBe("changed in the worktree\n");
  });
});

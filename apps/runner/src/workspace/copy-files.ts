import { constants } from "node:fs";
import { copyFile, glob, lstat, mkdir, realpath } from "node:fs/promises";
import path from "node:path";
import { isErrno } from "@wharf/common";
import { ignoredPaths } from "@wharf/git";

/**
 * A project's `copyFiles` (paths or globs of git-ignored files: `.env`, `config/*.key`) copied from
 * the person's checkout into a new worktree. Only regular files inside the checkout are copied (a
 * symlink, or a path through one that leads out, is skipped), only files git ignores in the
 * worktree (so they never become part of the change: `commitAll` leaves ignored files out), and
 * nothing that exists in the worktree already is overwritten.
 */

export type CopyResult = { copied: string[]; skipped: Array<{ path: string; reason: string }> };

const MAX_FILES = 1000;

export async function copyIgnoredFiles(opts: { from: string; to: string; patterns: readonly string[] }): Promise<CopyResult> {
  const result: CopyResult = { copied: [], skipped: [] };
  if (opts.patterns.length === 0) return result;
  const from = await realpath(opts.from);
  const to = await realpath(opts.to);

  const candidates = new Set<string>();
  for (const pattern of opts.patterns) {
    let matched = false;
    for await (const match of glob(pattern, { cwd: from })) {
      matched = true;
      const rel = path.normalize(match);
      if (rel.split(path.sep)[0] === ".git") continue;
      candidates.add(rel);
      if (candidates.size > MAX_FILES) throw new Error(`copyFiles matches more than ${MAX_FILES} files; name fewer (a glob such as **/* copies the whole checkout).`);
    }
    if (!matched) result.skipped.push({ path: pattern, reason: "matches no file in the project's checkout" });
  }

  const files: string[] = [];
  for (const rel of [...candidates].sort()) {
    const source = path.join(from, rel);
    const info = await lstat(source);
    if (info.isSymbolicLink()) result.skipped.push({ path: rel, reason: "is a symbolic link (not followed)" });
    else if (info.isDirectory()) continue; // a glob such as config/* names folders too; name their files
    else if (!info.isFile()) result.skipped.push({ path: rel, reason: "is not a regular file" });
    else if (!isInside(from, await realpath(source))) result.skipped.push({ path: rel, reason: "lies outside the project's checkout (through a symbolic link)" });
    else files.push(rel);
  }

  const ignored = await ignoredPaths(from, to, files);
  for (const rel of files) {
    if (!ignored.has(rel)) {
      result.skipped.push({ path: rel, reason: "is not ignored by git, so it would become part of the change (tracked files are in the worktree already)" });
      continue;
    }
    const target = path.join(to, rel);
    await mkdir(path.dirname(target), { recursive: true });
    // The folder may be a symlink the branch tracks: its real place must be inside the worktree.
    if (!isInside(to, await realpath(path.dirname(target)))) {
      result.skipped.push({ path: rel, reason: "its folder in the worktree leads outside it" });
      continue;
    }
    try {
      await copyFile(path.join(from, rel), target, constants.COPYFILE_EXCL);
      result.copied.push(rel);
    } catch (error) {
      if (!isErrno(error, "EEXIST")) throw error;
      result.skipped.push({ path: rel, reason: "exists in the worktree already" });
    }
  }
  return result;
}

function isInside(root: string, p: string): boolean {
  return p === root || p.startsWith(root + path.sep);
}

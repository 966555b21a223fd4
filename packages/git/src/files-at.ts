import { runGit } from "./run-git";

/** What `fileBlobs` gives a path that does not exist at the commit (deleted by the change). */
export const deletedBlob = "deleted";

/**
 * The blob id of each path at `commit` (`git ls-tree`), or `deletedBlob` for a path it does not
 * have. Two versions of a file are the same content exactly when their blob ids are equal.
 */
export async function fileBlobs(repoPath: string, commit: string, paths: readonly string[]): Promise<Map<string, string>> {
  const blobs = new Map<string, string>(paths.map((path) => [path, deletedBlob]));
  if (paths.length === 0) return blobs;
  const { stdout } = await runGit(["ls-tree", "-z", "--full-tree", commit, "--", ...paths], { cwd: repoPath });
  for (const entry of stdout.split("\0")) {
    // <mode> SP <type> SP <object> TAB <path>
    const tab = entry.indexOf("\t");
    if (tab < 0) continue;
    const [, type, object] = entry.slice(0, tab).split(" ");
    const path = entry.slice(tab + 1);
    if (blobs.has(path) && object !== undefined) blobs.set(path, type === "blob" ? object : `${type ?? "tree"}:${object}`);
  }
  return blobs;
}

/** Largest file read by `readFileAt`; a longer one reads as undefined (too big to quote). */
const maxFileBytes = 2 * 1024 * 1024;

/**
 * The text of `path` at `commit`: null when the commit has no such file, undefined when it is
 * larger than 2 MiB or not valid UTF-8 text (binary).
 */
export async function readFileAt(repoPath: string, commit: string, path: string): Promise<string | null | undefined> {
  const result = await runGit(["cat-file", "blob", `${commit}:${path}`], { cwd: repoPath, okExitCodes: [128], maxOutputBytes: maxFileBytes });
  if (result.exitCode !== 0) return null;
  if (result.truncated || result.stdout.includes("\0")) return undefined;
  return result.stdout;
}

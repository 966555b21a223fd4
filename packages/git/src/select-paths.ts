import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GitError } from "./git-error";
import { type Logger, stderrLogger } from "./logger";
import { runGit } from "./run-git";

/** One file of the change between two commits, as git stores it (renames paired). */
interface RawChangeEntry {
  /** `A`, `M`, `D`, `R`, `C` or `T`. */
  status: string;
  path: string;
  /** The old path of a rename or copy. */
  oldPath?: string;
  /** Mode and object id on the new side (`000000`/zeros for a deletion). */
  mode: string;
  id: string;
}

export type PathSelection =
  | {
      ok: true;
      /** Tree of the base commit with only the chosen files of the change applied. */
      tree: string;
      /** True when the choice covers every file of the change. */
      all: boolean;
      /** The chosen entries (a chosen rename brings its old path's removal with it). */
      chosen: RawChangeEntry[];
    }
  | { ok: false; unknown: string[] };

/**
 * Builds the tree "base commit plus the chosen files of the change base→head" in a private index
 * file, so neither the repository's index nor any work tree is involved. A path is chosen by its
 * new name (or, for a rename, by either name); paths that are not part of the change come back in
 * `unknown` and nothing is built.
 */
export async function selectPaths(
  repo: string,
  baseCommit: string,
  headCommit: string,
  paths: readonly string[],
  logger?: Logger,
): Promise<PathSelection> {
  const entries = await rawChange(repo, baseCommit, headCommit);
  const wanted = new Set(paths);
  const chosen = entries.filter(
    (entry) => wanted.has(entry.path) || (entry.status === "R" && entry.oldPath !== undefined && wanted.has(entry.oldPath)),
  );
  const known = new Set(chosen.flatMap((entry) => [entry.path, ...(entry.status === "R" && entry.oldPath ? [entry.oldPath] : [])]));
  const unknown = [...wanted].filter((path) => !known.has(path));
  if (unknown.length > 0) return { ok: false, unknown };

  const dir = await mkdtemp(join(tmpdir(), "wharf-index-"));
  try {
    const env = { GIT_INDEX_FILE: join(dir, "index") };
    await runGit(["read-tree", baseCommit], { cwd: repo, env });
    const zero = "0".repeat(headCommit.length);
    const lines: string[] = [];
    for (const entry of chosen) {
      if (entry.status === "R" && entry.oldPath !== undefined) lines.push(`0 ${zero}\t${entry.oldPath}`);
      lines.push(entry.status === "D" ? `0 ${zero}\t${entry.path}` : `${entry.mode} ${entry.id}\t${entry.path}`);
    }
    await runGit(["update-index", "-z", "--index-info"], { cwd: repo, env, input: lines.map((line) => `${line}\0`).join("") });
    const tree = (await runGit(["write-tree"], { cwd: repo, env })).stdout.trim();
    return { ok: true, tree, all: chosen.length === entries.length, chosen };
  } finally {
    await rm(dir, { recursive: true, force: true }).catch((error: unknown) => {
      (logger ?? stderrLogger).warn("could not remove a temporary index folder", { path: dir, error: String(error) });
    });
  }
}

/**
 * The change between two commits with renames paired the way `computeChange` pairs them
 * (`--find-renames`, same limit), so the paths a person sees are the paths chosen here.
 */
async function rawChange(repo: string, from: string, to: string): Promise<RawChangeEntry[]> {
  const result = await runGit(["diff-tree", "-r", "-z", "--find-renames", "-l1000", "--raw", from, to], { cwd: repo });
  return parseRawDiff(result.stdout);
}

/** Parses `git diff-tree -r -z --raw`: `:<mode> <mode> <id> <id> <status>\0<path>\0[<path>\0]`. */
function parseRawDiff(output: string): RawChangeEntry[] {
  const fields = output.split("\0");
  const entries: RawChangeEntry[] = [];
  let i = 0;
  while (i < fields.length) {
    const head = fields[i++] ?? "";
    if (head === "") continue;
    const parts = head.slice(1).split(" ");
    const [, mode, , id, status = ""] = parts;
    const letter = status.charAt(0);
    if (!head.startsWith(":") || mode === undefined || id === undefined || !/^[AMDRCT]$/.test(letter)) {
      throw new GitError("git_failed", `Could not read git diff-tree output: ${JSON.stringify(output.slice(0, 200))}`);
    }
    if (letter === "R" || letter === "C") {
      const oldPath = fields[i++] ?? "";
      const path = fields[i++] ?? "";
      entries.push({ status: letter, path, oldPath, mode, id });
    } else {
      entries.push({ status: letter, path: fields[i++] ?? "", mode, id });
    }
  }
  return entries;
}

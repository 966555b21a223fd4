import { GitError, isGitError } from "./git-error";
import { runGit } from "./run-git";

export type MergeTreesResult =
  | { clean: true; tree: string }
  | { clean: false; tree: string; conflicts: string[]; messages: string[] };

/**
 * Three-way merge of two commits done entirely in the object store (`git merge-tree
 * --write-tree`, git 2.38 or newer): no index, no work tree, no refs are touched.
 */
export async function mergeTrees(repo: string, ours: string, theirs: string): Promise<MergeTreesResult> {
  let output: string;
  let exitCode: number;
  try {
    const result = await runGit(["merge-tree", "--write-tree", "-z", "--name-only", ours, theirs], {
      cwd: repo,
      okExitCodes: [1],
    });
    output = result.stdout;
    exitCode = result.exitCode;
  } catch (error) {
    if (isGitError(error, "git_failed") && error.exitCode === 129) {
      throw new GitError("git_failed", "Applying changes needs git 2.38 or newer. Update git and try again.", {
        path: repo,
        cause: error,
      });
    }
    throw error;
  }
  return parseMergeTree(output, exitCode);
}

/**
 * `merge-tree --write-tree -z --name-only` prints the tree id, then (on conflicts) the
 * conflicted paths, an empty field, and messages as `<count>\0<path>...\0<type>\0<text>\0`.
 */
function parseMergeTree(output: string, exitCode: number): MergeTreesResult {
  const fields = output.split("\0");
  const tree = fields[0] ?? "";
  if (!/^[0-9a-f]{40,64}$/.test(tree)) {
    throw new GitError("git_failed", `Unexpected output from git merge-tree: ${JSON.stringify(output.slice(0, 200))}`);
  }
  if (exitCode === 0) return { clean: true, tree };

  let i = 1;
  const conflicts: string[] = [];
  while (i < fields.length && fields[i] !== "") conflicts.push(fields[i++] ?? "");
  i++;
  const messages: string[] = [];
  while (i < fields.length) {
    const count = Number(fields[i]);
    if (!Number.isInteger(count) || count < 0) break;
    i += 1 + count;
    const type = fields[i++] ?? "";
    const text = (fields[i++] ?? "").trim();
    if (type.startsWith("CONFLICT") && text) messages.push(text);
  }
  return { clean: false, tree, conflicts, messages };
}

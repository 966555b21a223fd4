import { runGit } from "./run-git";

export const wharfBranchPrefix = "wharf/";

export interface WorktreeEntry {
  path: string;
  /** Commit checked out, or undefined for a bare entry. */
  head: string | undefined;
  /** Short branch name, or undefined when detached. */
  branch: string | undefined;
  locked: boolean;
  /** git considers it stale (its folder is gone); `git worktree prune` would drop it. */
  prunable: boolean;
}

export interface WharfWorktree extends WorktreeEntry {
  branch: string;
  taskId: string;
}

/** Every worktree git knows for the repository, the main one first. */
export async function listWorktrees(repoPath: string): Promise<WorktreeEntry[]> {
  const result = await runGit(["worktree", "list", "--porcelain", "-z"], { cwd: repoPath });
  return parseWorktreeList(result.stdout);
}

/** Worktrees on `wharf/*` branches: what Wharf created for tasks (for orphan clean-up). */
export async function listWharfWorktrees(repoPath: string): Promise<WharfWorktree[]> {
  const entries = await listWorktrees(repoPath);
  const wharf: WharfWorktree[] = [];
  for (const entry of entries) {
    if (entry.branch?.startsWith(wharfBranchPrefix)) {
      wharf.push({ ...entry, branch: entry.branch, taskId: entry.branch.slice(wharfBranchPrefix.length) });
    }
  }
  return wharf;
}

/** Every `wharf/*` branch (short names), with or without a worktree. */
export async function listWharfBranches(repoPath: string): Promise<string[]> {
  const result = await runGit(["for-each-ref", "--format=%(refname:short)", `refs/heads/${wharfBranchPrefix}`], {
    cwd: repoPath,
  });
  return result.stdout.split("\n").filter((line) => line.length > 0);
}

/** Parses `git worktree list --porcelain -z`: attribute lines, records ended by an empty one. */
function parseWorktreeList(output: string): WorktreeEntry[] {
  const entries: WorktreeEntry[] = [];
  let current: WorktreeEntry | undefined;
  for (const field of output.split("\0")) {
    if (field === "") {
      if (current) entries.push(current);
      current = undefined;
      continue;
    }
    const space = field.indexOf(" ");
    const key = space < 0 ? field : field.slice(0, space);
    const value = space < 0 ? "" : field.slice(space + 1);
    if (key === "worktree") {
      if (current) entries.push(current);
      current = { path: value, head: undefined, branch: undefined, locked: false, prunable: false };
    } else if (current && key === "HEAD") {
      current.head = value;
    } else if (current && key === "branch") {
      current.branch = value.startsWith("refs/heads/") ? value.slice("refs/heads/".length) : value;
    } else if (current && key === "locked") {
      current.locked = true;
    } else if (current && key === "prunable") {
      current.prunable = true;
    }
  }
  if (current) entries.push(current);
  return entries;
}

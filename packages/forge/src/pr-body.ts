export interface PullRequestFile {
  path: string;
  oldPath?: string;
  status: "added" | "modified" | "deleted" | "renamed" | "copied" | "type_changed";
  additions: number;
  deletions: number;
  binary: boolean;
}

export interface PullRequestBodyInput {
  taskId: string;
  prompt: string;
  /** The agent's own summary of what it did, if it gave one. */
  summary?: string | null;
  files: readonly PullRequestFile[];
  /** Link back to the task's page, when Wharf knows its own address. */
  taskUrl?: string;
  /** Files listed at most (the rest are counted); default 100. */
  maxFiles?: number;
}

/** Longest prompt or summary quoted; forges cap bodies (GitHub 65,536 characters, GitLab 1,048,576). */
const maxSectionChars = 20_000;

/**
 * The Markdown body of a task's pull request: the prompt (quoted), the agent's summary, and the
 * files with their line counts. Pure; the same input gives the same text.
 */
export function buildPullRequestBody(input: PullRequestBodyInput): string {
  const maxFiles = input.maxFiles ?? 100;
  const parts: string[] = [];
  const task = input.taskUrl ? `[${input.taskId}](${input.taskUrl})` : `\`${input.taskId}\``;
  parts.push(`Opened by Wharf from task ${task}.`);

  parts.push("## Prompt", quote(cut(input.prompt.trim() || "(empty)")));
  const summary = input.summary?.trim();
  if (summary) parts.push("## Summary", cut(summary));

  const additions = input.files.reduce((sum, file) => sum + file.additions, 0);
  const deletions = input.files.reduce((sum, file) => sum + file.deletions, 0);
  const count = input.files.length;
  parts.push(`## Files (${count} ${count === 1 ? "file" : "files"}, +${additions} −${deletions})`);
  if (count === 0) {
    parts.push("No files changed.");
  } else {
    const rows = input.files.slice(0, maxFiles).map((file) => `| ${fileCell(file)} | ${file.status.replace("_", " ")} | ${stats(file)} |`);
    const more = count > maxFiles ? [``, `…and ${count - maxFiles} more ${count - maxFiles === 1 ? "file" : "files"}.`] : [];
    parts.push(["| File | Change | Lines |", "| --- | --- | --- |", ...rows, ...more].join("\n"));
  }
  return `${parts.join("\n\n")}\n`;
}

/** A pull request title from the task: its first prompt line, shortened. */
export function pullRequestTitle(prompt: string, maxLength = 72): string {
  const line = prompt
    .split("\n")
    .map((text) => text.trim())
    .find((text) => text.length > 0) ?? "Changes from Wharf";
  return line.length <= maxLength ? line : `${line.slice(0, maxLength - 1).trimEnd()}…`;
}

function fileCell(file: PullRequestFile): string {
  const path = `\`${escapeCell(file.path)}\``;
  return file.oldPath && file.oldPath !== file.path ? `\`${escapeCell(file.oldPath)}\` → ${path}` : path;
}

function stats(file: PullRequestFile): string {
  return file.binary ? "binary" : `+${file.additions} −${file.deletions}`;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/`/g, "'");
}

function quote(text: string): string {
  return text
    .split("\n")
    .map((line) => (line.length > 0 ? `> ${line}` : ">"))
    .join("\n");
}

function cut(text: string): string {
  return text.length <= maxSectionChars ? text : `${text.slice(0, maxSectionChars)}\n\n…(cut at ${maxSectionChars} characters)`;
}

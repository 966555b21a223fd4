import { pullRequestTitle } from "@wharf/forge";

/**
 * The default message of the commit an apply makes: the task's first prompt line as the title,
 * the agent's summary, the files when only some are applied, and where it came from.
 */
export function defaultCommitMessage(task: { id: string; prompt: string; summary: string | null }, paths?: readonly string[]): string {
  const parts = [pullRequestTitle(task.prompt)];
  const summary = task.summary?.trim();
  if (summary) parts.push(summary.length > 4000 ? `${summary.slice(0, 4000)}…` : summary);
  if (paths && paths.length > 0) {
    const shown = paths.slice(0, 50).map((path) => `- ${path}`);
    if (paths.length > 50) shown.push(`- …and ${paths.length - 50} more`);
    parts.push(`Part of the task's change:\n${shown.join("\n")}`);
  }
  parts.push(`Applied from wharf task ${task.id}.`);
  return parts.join("\n\n");
}

/**
 * The follow-up that hands a rebase conflict to the agent: merge the base branch's tip into the
 * task branch and resolve the listed files.
 */
export function conflictPrompt(input: { baseBranch: string; baseTip: string; files: readonly string[] }): string {
  const files = input.files.map((file) => `- ${file}`).join("\n");
  return [
    `The branch ${input.baseBranch} moved on since you started (it is now at ${input.baseTip}) and changed the same places as your change:`,
    files,
    `Merge it into your branch: run \`git merge ${input.baseTip}\` in your working directory, resolve the conflicts in these files so that both its changes and yours are kept, and commit the merge. Then finish your turn as usual.`,
  ].join("\n\n");
}

/** Help texts, one per command; `wharf <command> --help` prints its own. */
const GLOBAL_OPTIONS = `Options for every command:
  --url URL       Wharf's address (env WHARF_URL, default http://127.0.0.1:7777)
  --token TOKEN   access token (env WHARF_TOKEN, default: the file $WHARF_HOME/token)
  --json          machine-readable output on stdout
  -h, --help      this help`;

const EXIT_CODES = `Exit codes:
  0 ok   1 task failed or cancelled   2 usage error   3 not found   4 not authorised
  5 server unreachable   6 conflict (wrong state, already answered, merge conflict, a git or
  forge refusal such as failed credentials)   7 server error   8 a git remote or forge could not
  be reached   130 interrupted`;

export const help: Record<string, string> = {
  wharf: `wharf — drive Wharf from a terminal or a script

Usage: wharf <command> [options]

Commands:
  project add PATH|--url U add a git repository (a path here, a clone URL, or both) as a project
  project ls               list projects
  project set P            where a project pushes and which forge opens its pull requests
  agents                   list agents and whether they are installed
  task create PROMPT       queue a task (--project, --agent required); several --agent compare them
  task attempts GROUP      the attempts of one prompt side by side (group id or one attempt's id)
  task pick ID             apply one attempt (--pr: open a pull request); discard or cancel the others
  task ls                  list tasks
  task show ID             a task's state, change and open permission requests
  task follow ID           the live timeline; answers permission requests at the prompt
  task cancel ID           cancel a blocked, queued or running task (--with-subtasks)
  task start ID            run a blocked task now, without waiting for its dependencies
  change apply ID          apply a task's change (or --path files of it) to its project
  change discard ID        drop a task's change, worktree and branch
  change rebase ID         move a task's change onto its base branch's current tip
  change push ID           push a task's branch to the project's remote
  change pr ID             push and open a pull / merge request
  comment add ID TEXT      comment on lines of a task's change (--path, --line)
  comment ls ID            a task's comments (open, sent, outdated)
  comment send ID          send the open comments to the agent as one follow-up
  token rotate             replace the access token; prints the new one once

${GLOBAL_OPTIONS}

${EXIT_CODES}`,
  "project add": `Usage: wharf project add [PATH] [--url URL] [--name NAME] [--base-branch BRANCH]

Adds the git repository at PATH (resolved here to an absolute path) as a project and prints its id.
Adding the same repository again returns the existing project.

--url URL  where runners that cannot see PATH clone the project from (https://…, ssh://…,
           git@host:repo.git, git://…, or a path): checked with git ls-remote, never prompting.
           Without PATH, the Wharf host clones it too, reviews there, and pushes applied changes
           back to URL (fast-forward only).

${GLOBAL_OPTIONS}`,
  "project ls": `Usage: wharf project ls\n\nLists projects: id, name, repository.\n\n${GLOBAL_OPTIONS}`,
  agents: `Usage: wharf agents\n\nLists agents: id, name, whether its command is installed here.\n\n${GLOBAL_OPTIONS}`,
  "task create": `Usage: wharf task create --project P --agent A [--agent B]... [--runs N] [--model M] [--mode X] [--depends-on ID]... [--parent ID] [--follow] PROMPT

Queues a task and prints its id. PROMPT "-" reads the prompt from stdin. With --depends-on the task
waits (blocked) until each of those tasks reaches review, applied or completed, then queues by itself.
Best-of-N: with several --agent (or --runs N), the prompt runs as 2 to 8 sibling attempts; prints the
attempt group's id, then each attempt. Compare them with "wharf task attempts", keep one with "wharf task pick".
  --project P   project id, name or repository path
  --agent A     agent id (see "wharf agents"); repeat to compare agents
  --runs N      run each agent N times (default 1)
  --model M     model to ask the agent for
  --mode X      agent mode (e.g. plan, code)
  --depends-on ID  a task (same project) this one waits for; repeat for several
  --parent ID   make this task a subtask of ID (same project)
  --follow      then follow the task as "wharf task follow" does (exit code 1 if it fails)

${GLOBAL_OPTIONS}`,
  "task ls": `Usage: wharf task ls [--project P] [--state S]... [--limit N]

Lists tasks, newest first.

${GLOBAL_OPTIONS}`,
  "task show": `Usage: wharf task show ID\n\nShows a task: state, project, agent, change, open permission requests.\n\n${GLOBAL_OPTIONS}`,
  "task follow": `Usage: wharf task follow ID [--no-input]

Prints the task's timeline from its start and follows it live until it is in review or finished.
In a terminal, an open permission request is asked at the prompt (type the option's number);
an answer given elsewhere first withdraws the question. --no-input never asks.
With --json, prints each event as a JSON line: {"seq", "at", "event"}.
Exits 0 when the task rests in review/completed/applied/discarded, 1 when it failed or was cancelled.

${GLOBAL_OPTIONS}`,
  "task cancel": `Usage: wharf task cancel ID [--with-subtasks]\n\nCancels a blocked or queued task at once, or asks the runner to stop a running one.\n--with-subtasks also cancels its subtasks (and theirs) that are not finished.\n\n${GLOBAL_OPTIONS}`,
  "task attempts": `Usage: wharf task attempts GROUP|ID

The attempts made from one prompt, side by side: state, agent, files and +/- lines, tokens and cost.
Takes the attempt group's id or any attempt's task id.

${GLOBAL_OPTIONS}`,
  "task pick": `Usage: wharf task pick ID [--pr]

Keeps one attempt: applies its change to the project (--pr: pushes it and opens a pull request).
Then each other attempt in review is discarded and each still running is cancelled; finished ones
are left as they are. Prints what happened to each. When the apply conflicts, nothing else changes.

${GLOBAL_OPTIONS}`,
  "task start": `Usage: wharf task start ID\n\nQueues a blocked task now, without waiting for its dependencies (e.g. after one failed).\n\n${GLOBAL_OPTIONS}`,
  "change apply": `Usage: wharf change apply ID [--path P]... [--message M]

Applies the change of task ID (in review) onto its project's base branch as one commit and prints
the commit. Your uncommitted work in the project is never touched.
  --path P        apply only this file of the change (repeat for more); the other files stay on
                  the task branch, still in review (apply or discard them later)
  -m, --message M the commit message (default: the task's first prompt line, its summary, and
                  the task it came from)
Exits 6 when the change conflicts with the branch or touches files you are editing (nothing is
touched then).

${GLOBAL_OPTIONS}`,
  "change discard": `Usage: wharf change discard ID

Discards the change of task ID (in review): its worktree and branch are removed.

${GLOBAL_OPTIONS}`,
  "change rebase": `Usage: wharf change rebase ID [--hand-to-agent]

Moves the change of task ID onto the current tip of its project's base branch (the task branch and
its worktree), when the base branch moved since the task started, and prints the new base.
On a conflict nothing changes: the conflicted files are printed and the exit code is 6.
  --hand-to-agent   on a conflict, send it to the agent as a follow-up instead (exit code 0)

${GLOBAL_OPTIONS}`,
  "change push": `Usage: wharf change push ID [--branch NAME]

Pushes the branch of task ID (in review) to the project's remote (see "wharf project set";
default origin) and prints remote, branch and commit. Wharf never asks for a password: set up a
credential helper (https) or ssh-agent (ssh) for the remote.
  --branch NAME   the branch name on the remote (default: the task branch's, wharf/<task>)
Exits 6 when the remote refuses (credentials, protected branch) and 8 when it cannot be reached.

${GLOBAL_OPTIONS}`,
  "change pr": `Usage: wharf change pr ID [--title T] [--body TEXT] [--draft] [--branch NAME]

Pushes the branch of task ID and opens a pull request (GitHub) or merge request (GitLab) into the
project's base branch, then prints its URL. An open one for the same branches is printed as is.
The project needs a forge token ("wharf project set P --forge-token-stdin").
  --title T       default: the task's first prompt line
  --body TEXT     default: the task's prompt, summary and files
  --draft         open it as a draft
  --branch NAME   the branch name on the remote (default wharf/<task>)

${GLOBAL_OPTIONS}`,
  "comment add": `Usage: wharf comment add ID --path P --line N [--end-line M] [--old] TEXT

Comments on line N (to M) of file P of the change of task ID and prints the comment's id. TEXT "-"
reads the comment from stdin. Lines are those of the changed file; --old counts lines of the file
before the change (for lines it removed). Send open comments with "wharf comment send ID".

${GLOBAL_OPTIONS}`,
  "comment ls": `Usage: wharf comment ls ID

Lists the comments on task ID's change: where, whether sent, whether outdated (a later turn
changed those lines), and the text.

${GLOBAL_OPTIONS}`,
  "comment send": `Usage: wharf comment send ID

Sends every open comment on task ID to its agent as one follow-up prompt in the same session
(each path:line quoted with its lines and the comment) and marks them sent. The task must be in
review (or completed).

${GLOBAL_OPTIONS}`,
  "project set": `Usage: wharf project set P [--remote R] [--forge github|gitlab] [--forge-api-url URL]
                         [--forge-project OWNER/REPO] [--forge-token-stdin | --clear-forge-token]

Changes where project P (id, name or path) pushes task branches and which forge opens their pull
requests; prints the settings. An empty value ("") goes back to detecting it.
  --remote R              the git remote (default: origin, else the only remote)
  --forge KIND            github or gitlab (default: guessed from the remote's URL)
  --forge-api-url URL     e.g. https://github.example.com/api/v3, https://gitlab.example.com/api/v4
  --forge-project PATH    owner/repo, or group/subgroup/repo on GitLab (default: from the remote URL)
  --forge-token-stdin     read the forge token from stdin; it is stored write-only
  --clear-forge-token     remove the stored token

${GLOBAL_OPTIONS}`,
  "token rotate": `Usage: wharf token rotate

Replaces Wharf's access token with a new random one and prints it on stdout, once. The old token
stops working at once: scripts using it get exit code 4, browsers must sign in again, and open
streams end. The server also writes the new token to $WHARF_HOME/token (mode 0600) on its host.

${GLOBAL_OPTIONS}`,
};

/** Help texts, one per command; `wharf <command> --help` prints its own. */
const GLOBAL_OPTIONS = `Options for every command:
  --url URL       Wharf's address (env WHARF_URL, default http://127.0.0.1:7777)
  --token TOKEN   access token (env WHARF_TOKEN, default: the file $WHARF_HOME/token)
  --json          machine-readable output on stdout
  -h, --help      this help`;

const EXIT_CODES = `Exit codes:
  0 ok   1 task failed or cancelled   2 usage error   3 not found   4 not authorised
  5 server unreachable   6 conflict (wrong state, already answered)   7 server error   130 interrupted`;

export const help: Record<string, string> = {
  wharf: `wharf — drive Wharf from a terminal or a script

Usage: wharf <command> [options]

Commands:
  project add PATH         add a git repository as a project
  project ls               list projects
  agents                   list agents and whether they are installed
  task create PROMPT       queue a task (--project, --agent required)
  task ls                  list tasks
  task show ID             a task's state, change and open permission requests
  task follow ID           the live timeline; answers permission requests at the prompt
  task cancel ID           cancel a queued or running task
  change apply ID          apply a task's change to its project
  token rotate             replace the access token; prints the new one once

${GLOBAL_OPTIONS}

${EXIT_CODES}`,
  "project add": `Usage: wharf project add PATH [--name NAME] [--base-branch BRANCH]

Adds the git repository at PATH (resolved here to an absolute path) as a project and prints its id.
Adding the same repository again returns the existing project.

${GLOBAL_OPTIONS}`,
  "project ls": `Usage: wharf project ls\n\nLists projects: id, name, repository.\n\n${GLOBAL_OPTIONS}`,
  agents: `Usage: wharf agents\n\nLists agents: id, name, whether its command is installed here.\n\n${GLOBAL_OPTIONS}`,
  "task create": `Usage: wharf task create --project P --agent A [--model M] [--mode X] [--follow] PROMPT

Queues a task and prints its id. PROMPT "-" reads the prompt from stdin.
  --project P   project id, name or repository path
  --agent A     agent id (see "wharf agents")
  --model M     model to ask the agent for
  --mode X      agent mode (e.g. plan, code)
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
  "task cancel": `Usage: wharf task cancel ID\n\nCancels a queued task at once, or asks the runner to stop a running one.\n\n${GLOBAL_OPTIONS}`,
  "change apply": `Usage: wharf change apply ID

Applies the change of task ID (in review) onto its project's base branch and prints the commit.
Exits 6 when the change conflicts with the branch (nothing is touched then).

${GLOBAL_OPTIONS}`,
  "token rotate": `Usage: wharf token rotate

Replaces Wharf's access token with a new random one and prints it on stdout, once. The old token
stops working at once: scripts using it get exit code 4, browsers must sign in again, and open
streams end. The server also writes the new token to $WHARF_HOME/token (mode 0600) on its host.

${GLOBAL_OPTIONS}`,
};

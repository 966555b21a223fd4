// Creates a task, answers its permission request, waits for review, shows the change and applies it.
//
//   node examples/create-and-review.ts --repo /path/to/git/repo [--agent scripted] [--prompt "..."]
//
// Wharf's address and token come from WHARF_URL and WHARF_TOKEN, or $WHARF_HOME/token.
// Without --prompt it runs the scripted test agent with a scenario that asks to write hello.txt.
import path from "node:path";
import { parseArgs } from "node:util";
import { connectionFromEnv, createWharfClient, taskEvents, waitForTask } from "@wharf/client";

const { values } = parseArgs({
  options: {
    repo: { type: "string", default: process.cwd() },
    agent: { type: "string", default: "scripted" },
    prompt: { type: "string" },
  },
});

const scenario = {
  steps: [
    { type: "text", text: "I will add a greeting." },
    {
      type: "permission",
      toolCallId: "write-hello",
      title: "Write hello.txt",
      kind: "edit",
      onAllow: [{ type: "write_file", path: "hello.txt", content: "hello from a Wharf script\n" }],
      onReject: [{ type: "text", text: "Not writing anything, then." }],
    },
  ],
};
const prompt = values.prompt ?? `Add hello.txt.\n\`\`\`scenario\n${JSON.stringify(scenario)}\n\`\`\``;

const client = createWharfClient({ ...connectionFromEnv(), actor: "create-and-review" });

const project = await client.project.create.mutate({ path: path.resolve(values.repo) });
const task = await client.task.create.mutate({ projectId: project.id, agentId: values.agent, prompt });
console.log(`task ${task.id} queued in ${project.name}`);

// Watch the task's events; allow every permission it asks for (once), until it stops working.
const stop = new AbortController();
for await (const { event } of taskEvents(client, task.id, { signal: stop.signal })) {
  if (event.type === "permission" && event.phase === "requested") {
    const allow = event.options.find((option) => option.kind === "allow_once");
    if (!allow) throw new Error(`No "allow once" option in ${event.options.map((o) => o.name).join(", ")}`);
    await client.permission.respond.mutate({ requestId: event.requestId, optionId: allow.optionId });
    console.log(`allowed: ${event.title ?? event.toolCallId}`);
  }
  if (event.type === "status" && !["queued", "running", "needs_input"].includes(event.state)) stop.abort();
}

// Resolves once the task is in review; throws TaskEndedError if it failed or ended otherwise.
const reviewed = await waitForTask(client, task.id, ["review"], { signal: AbortSignal.timeout(120_000) });
for (const file of reviewed.change?.files ?? []) console.log(`${file.status} ${file.path} +${file.additions} -${file.deletions}`);

const applied = await client.change.apply.mutate({ taskId: task.id });
console.log(`applied as ${applied.commit}`);

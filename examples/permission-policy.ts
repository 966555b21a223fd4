// Answers a task's permission requests by a policy instead of a person, until the task rests:
// reading, searching and editing files is allowed (once each time); running commands, deleting,
// moving and fetching are rejected.
//
//   node examples/permission-policy.ts TASK_ID
import { parseArgs } from "node:util";
import { connectionFromEnv, createWharfClient, isRestingState, taskEvents, type PermissionOption, type ToolKind } from "@wharf/client";

const allowed: ReadonlySet<ToolKind> = new Set(["read", "search", "edit", "think"]);

/** The option the policy picks for a tool kind: allow once, or reject once. */
function decide(kind: ToolKind | undefined, options: PermissionOption[]): PermissionOption | undefined {
  const want = kind && allowed.has(kind) ? "allow_once" : "reject_once";
  return options.find((option) => option.kind === want);
}

const { positionals } = parseArgs({ allowPositionals: true });
const taskId = positionals[0];
if (!taskId) {
  console.error("usage: node examples/permission-policy.ts TASK_ID");
  process.exit(2);
}

const client = createWharfClient({ ...connectionFromEnv(), actor: "policy" });
const stop = new AbortController();
for await (const { event } of taskEvents(client, taskId, { signal: stop.signal })) {
  if (event.type === "permission" && event.phase === "requested") {
    const choice = decide(event.kind, event.options);
    if (!choice) continue; // no option fits the policy: leave it to a person
    try {
      await client.permission.respond.mutate({ requestId: event.requestId, optionId: choice.optionId });
      console.log(`${choice.kind}: ${event.title ?? event.toolCallId} (${event.kind ?? "unknown kind"})`);
    } catch (error) {
      // Answered already (by a person, or before this script started): nothing to do.
      console.log(`skipped ${event.title ?? event.toolCallId}: ${(error as Error).message}`);
    }
  }
  if (event.type === "status" && isRestingState(event.state)) {
    console.log(`task ${event.state}`);
    stop.abort();
  }
}

// Prints a task's timeline — stored events, then live ones — until the task rests.
//
//   node examples/follow-timeline.ts TASK_ID
import { parseArgs } from "node:util";
import { connectionFromEnv, createWharfClient, isRestingState, taskEvents, type TaskEvent } from "@wharf/client";

const { positionals } = parseArgs({ allowPositionals: true });
const taskId = positionals[0];
if (!taskId) {
  console.error("usage: node examples/follow-timeline.ts TASK_ID");
  process.exit(2);
}

const client = createWharfClient(connectionFromEnv());
const task = await client.task.get.query({ id: taskId });

function describe(event: TaskEvent): string | null {
  switch (event.type) {
    case "status":
      return `[${event.state}]${event.reason ? ` ${event.reason}` : ""}`;
    case "message":
      return `${event.role}: ${event.text}`;
    case "tool_call":
      return `tool ${event.toolCallId}${event.title ? ` "${event.title}"` : ""}${event.status ? ` ${event.status}` : ""}`;
    case "permission":
      return event.phase === "requested" ? `permission asked: ${event.title ?? event.toolCallId}` : `permission ${event.outcome}${event.optionKind ? ` (${event.optionKind})` : ""}`;
    case "change_ready":
      return `change: ${event.files} files +${event.additions} -${event.deletions}`;
    case "error":
      return `error: ${event.message}`;
    default:
      return null;
  }
}

const stop = new AbortController();
for await (const { seq, event } of taskEvents(client, taskId, { signal: stop.signal })) {
  const line = describe(event);
  if (line) console.log(`${String(seq).padStart(4)} ${line}`);
  const resting = event.type === "status" && isRestingState(event.state);
  if (resting && seq >= task.lastSeq) stop.abort();
}

import { TaskView, type InitialTask } from "~/components/task-view";
import { TIMELINE_TAIL } from "~/lib/timeline";
import { serverCaller } from "~/server/caller";

/**
 * The task page renders with its task and the tail of its events already in the HTML: the last
 * event is on screen at the first paint, not after the scripts, a round trip and the stream.
 * Live events then continue from the last one rendered. When the first data cannot be read (an
 * unknown id, the database away), the page renders without it and the browser asks, as before.
 */
export default async function TaskPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <TaskView key={id} taskId={id} initial={await initialTask(id)} />;
}

async function initialTask(id: string): Promise<InitialTask | null> {
  try {
    const caller = await serverCaller();
    const [task, history] = await Promise.all([caller.task.get({ id }), caller.task.history({ taskId: id, beforeSeq: 2_147_483_647, limit: TIMELINE_TAIL })]);
    return { task, events: history.events, lastSeq: Math.max(history.lastSeq, history.events.at(-1)?.seq ?? 0) };
  } catch {
    return null;
  }
}

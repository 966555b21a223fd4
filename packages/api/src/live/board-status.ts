import type pg from "pg";

/** The few fields of a recent event that a status line is made of (payload fields, shortened). */
export type RecentEvent = {
  type: string;
  role: string | null;
  text: string | null;
  title: string | null;
  toolCallId: string | null;
  phase: string | null;
  reason: string | null;
  state: string | null;
  message: string | null;
};

const RECENT = 12;
const MAX_STATUS = 120;

/** Project and the last few events (newest first) of each task, in one query. */
export async function readBoardRows(
  db: Pick<pg.Pool, "query">,
  taskIds: string[],
): Promise<Map<string, { projectId: string; recent: RecentEvent[] }>> {
  const { rows } = await db.query<{ id: string; project_id: string } & { [K in keyof RecentEvent]: string | null }>(
    `select t.id, t.project_id, e.type, e.role, e.text, e.title, e."toolCallId", e.phase, e.reason, e.state, e.message
     from task t
     left join lateral (
       select payload->>'type' as type, payload->>'role' as role, right(payload->>'text', 400) as text,
              left(payload->>'title', 200) as title, payload->>'toolCallId' as "toolCallId",
              payload->>'phase' as phase, left(payload->>'reason', 200) as reason, payload->>'state' as state,
              left(payload->>'message', 200) as message
       from task_event where task_id = t.id order by seq desc limit ${RECENT}
     ) e on true
     where t.id = any($1::uuid[])`,
    [taskIds],
  );
  const result = new Map<string, { projectId: string; recent: RecentEvent[] }>();
  for (const row of rows) {
    let entry = result.get(row.id);
    if (!entry) result.set(row.id, (entry = { projectId: row.project_id, recent: [] }));
    if (row.type !== null) {
      entry.recent.push({
        type: row.type,
        role: row.role,
        text: row.text,
        title: row.title,
        toolCallId: row.toolCallId,
        phase: row.phase,
        reason: row.reason,
        state: row.state,
        message: row.message,
      });
    }
  }
  return result;
}

/**
 * A one-line status for a board card from a task's latest events (newest first): the agent's
 * current sentence, the tool it runs, the permission it waits for, or why its state changed.
 */
export function statusLine(recent: RecentEvent[]): string | undefined {
  for (let i = 0; i < recent.length; i++) {
    const event = recent[i]!;
    switch (event.type) {
      case "message": {
        let text = "";
        for (let j = i; j < recent.length && recent[j]!.type === "message" && recent[j]!.role === event.role; j++) {
          text = (recent[j]!.text ?? "") + text;
          if (text.length > 400) break;
        }
        const line = lastLine(text);
        if (!line) continue;
        const prefix = event.role === "thought" ? "Thinking: " : event.role === "user" ? "Prompt: " : "";
        return clip(prefix + line);
      }
      case "tool_call": {
        const titled = recent.slice(i).find((e) => e.type === "tool_call" && e.toolCallId === event.toolCallId && e.title);
        return clip(titled?.title ?? "Running a tool");
      }
      case "permission":
        if (event.phase === "requested") return clip(`Waiting for permission: ${event.title ?? "a tool call"}`);
        continue;
      case "status":
        return clip(event.reason ?? event.state ?? "");
      case "error":
        return clip(`Error: ${event.message ?? "unknown"}`);
      case "change_ready":
        return "Change ready for review";
      default:
        continue;
    }
  }
  return undefined;
}

function lastLine(text: string): string {
  const lines = text.split("\n").map((l) => l.trim()).filter(Boolean);
  return lines.at(-1) ?? "";
}

function clip(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > MAX_STATUS ? `${line.slice(0, MAX_STATUS - 1)}…` : line;
}

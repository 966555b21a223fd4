import type { RecentEvent } from "../queries/board-status";

export type { RecentEvent };

const MAX_STATUS = 120;

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

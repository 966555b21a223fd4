"use client";

import { relativePath, stateLabel } from "~/lib/format";
import type { Terminal, TimelineItem, ToolItem } from "~/lib/timeline";
import { Markdown } from "./markdown";
import { SnippetDiff } from "./snippet-diff";
import { ToolIcon, ToolStatusBadge } from "./tool-icon";

type Props = { item: TimelineItem; expanded: boolean; onToggle: () => void; terminals: Record<string, Terminal>; root?: string | null };

export function TimelineItemView({ item, expanded, onToggle, terminals, root }: Props) {
  switch (item.kind) {
    case "message":
      if (item.role === "user") {
        return (
          <div className="flex justify-end" data-testid="message-user">
            <div className="max-w-[85%] rounded-2xl rounded-br-sm bg-accent/12 px-3.5 py-2 text-sm whitespace-pre-wrap ring-1 ring-accent/25">
              {item.text.length > 4000 && !expanded ? `${item.text.slice(0, 4000)}…` : item.text}
              {item.text.length > 4000 && (
                <button type="button" onClick={onToggle} className="mt-1 block text-xs font-medium text-accent hover:underline">
                  {expanded ? "Show less" : "Show all"}
                </button>
              )}
            </div>
          </div>
        );
      }
      if (item.role === "thought") {
        return (
          <div data-testid="message-thought" className="text-sm">
            <button type="button" onClick={onToggle} className="inline-flex items-center gap-1.5 text-xs text-muted hover:text-fg" aria-expanded={expanded}>
              <span aria-hidden>{expanded ? "▾" : "▸"}</span> Thought{!expanded && <span className="max-w-[40ch] truncate italic opacity-80">— {item.text.slice(0, 80)}</span>}
            </button>
            {expanded && <div className="mt-1 border-l-2 border-line pl-3 text-sm whitespace-pre-wrap text-muted italic">{item.text}</div>}
          </div>
        );
      }
      return (
        <div data-testid="message-agent" className="max-w-[95%]">
          <Markdown text={item.text} />
        </div>
      );
    case "tool":
      return <ToolRow tool={item} expanded={expanded} onToggle={onToggle} terminals={terminals} root={root} />;
    case "plan":
      return (
        <div data-testid="plan" className="rounded-lg border border-line bg-panel p-3">
          <div className="mb-1.5 text-xs font-semibold tracking-wide text-muted uppercase">Plan</div>
          <ul className="grid gap-1">
            {item.entries.map((entry, i) => (
              <li key={i} className="flex items-start gap-2 text-sm" data-status={entry.status}>
                <span
                  aria-label={entry.status}
                  className={`mt-0.5 grid size-4 shrink-0 place-items-center rounded-full text-[10px] ring-1 ${
                    entry.status === "completed" ? "bg-emerald-500 text-white ring-emerald-500" : entry.status === "in_progress" ? "ring-sky-500" : "ring-line"
                  }`}
                >
                  {entry.status === "completed" ? "✓" : entry.status === "in_progress" ? <span className="size-1.5 animate-pulse rounded-full bg-sky-500" /> : ""}
                </span>
                <span className={entry.status === "completed" ? "text-muted line-through" : ""}>{entry.content}</span>
              </li>
            ))}
          </ul>
        </div>
      );
    case "status":
      return (
        <div className="flex items-center gap-3 text-xs text-muted" data-testid="status-item">
          <span className="h-px flex-1 bg-line" />
          <span>
            {stateLabel[item.state]}
            {item.reason ? ` · ${item.reason}` : ""}
          </span>
          <span className="h-px flex-1 bg-line" />
        </div>
      );
    case "error":
      return (
        <div role="alert" className="rounded-lg border border-rose-500/40 bg-rose-500/5 p-3 text-sm">
          <div className="font-medium text-rose-700 dark:text-rose-300">{item.message}</div>
          {item.detail && (
            <button type="button" className="mt-1 text-xs text-muted hover:text-fg" onClick={onToggle}>
              {expanded ? "Hide details" : "Show details"}
            </button>
          )}
          {expanded && item.detail && <pre className="mt-2 max-h-60 overflow-auto text-xs whitespace-pre-wrap text-muted">{item.detail}</pre>}
        </div>
      );
    case "change":
      return (
        <div className="rounded-lg border border-violet-500/40 bg-violet-500/5 p-3 text-sm" data-testid="change-item">
          Change ready: {item.files} file{item.files === 1 ? "" : "s"}, <span className="text-emerald-600 dark:text-emerald-400">+{item.additions}</span>{" "}
          <span className="text-rose-600 dark:text-rose-400">−{item.deletions}</span>
        </div>
      );
  }
}

function commandOf(raw: unknown): string | undefined {
  if (raw && typeof raw === "object" && "command" in raw) {
    const r = raw as { command: unknown; args?: unknown };
    if (typeof r.command === "string") return [r.command, ...(Array.isArray(r.args) ? r.args.map(String) : [])].join(" ");
  }
  return undefined;
}

function ToolRow({ tool, expanded, onToggle, terminals, root }: { tool: ToolItem; expanded: boolean; onToggle: () => void; terminals: Record<string, Terminal>; root?: string | null }) {
  const command = commandOf(tool.rawInput);
  const hasDetail = tool.content.length > 0 || command !== undefined || tool.rawOutput !== undefined;
  return (
    <div data-testid="tool-row" data-tool-id={tool.toolCallId} className="rounded-lg border border-line bg-panel">
      <button type="button" onClick={onToggle} className="flex w-full items-center gap-2.5 px-3 py-2 text-left" aria-expanded={expanded} disabled={!hasDetail}>
        <ToolIcon kind={tool.toolKind} />
        <div className="min-w-0 flex-1">
          <div className="truncate text-sm font-medium">{tool.title}</div>
          {tool.locations.length > 0 && (
            <div className="truncate font-mono text-xs text-muted">
              {tool.locations.map((l) => (l.line ? `${relativePath(l.path, root)}:${l.line}` : relativePath(l.path, root))).join(", ")}
            </div>
          )}
        </div>
        <ToolStatusBadge status={tool.status} />
        {hasDetail && <span className="text-xs text-muted" aria-hidden>{expanded ? "▾" : "▸"}</span>}
      </button>
      {expanded && (
        <div className="grid gap-2 border-t border-line p-3">
          {command && <pre className="rounded-md bg-raised px-2 py-1.5 font-mono text-xs">$ {command}</pre>}
          {tool.content.map((content, i) => {
            if (content.type === "diff") return <SnippetDiff key={i} path={relativePath(content.path, root)} oldText={content.oldText} newText={content.newText} />;
            if (content.type === "text") return <Markdown key={i} text={content.text} />;
            const terminal = terminals[content.terminalId];
            return (
              <pre key={i} className="max-h-80 overflow-auto rounded-md bg-slate-950 p-2 font-mono text-xs text-slate-100">
                {terminal?.data || "(no output yet)"}
                {terminal?.exitCode !== undefined && terminal.exitCode !== null && <span className="text-slate-400">{`\n[exit ${terminal.exitCode}]`}</span>}
              </pre>
            );
          })}
          {tool.content.length === 0 && tool.rawOutput !== undefined && (
            <pre className="max-h-60 overflow-auto rounded-md bg-raised p-2 font-mono text-xs">{JSON.stringify(tool.rawOutput, null, 2)}</pre>
          )}
        </div>
      )}
    </div>
  );
}

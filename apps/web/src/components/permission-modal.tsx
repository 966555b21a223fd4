"use client";

import * as Dialog from "@radix-ui/react-dialog";
import { useMutation } from "@tanstack/react-query";
import type { PermissionOption } from "@wharf/api";
import { useEffect, useRef, type KeyboardEvent } from "react";
import { errorMessage, relativePath } from "~/lib/format";
import type { PendingPermission, Terminal, ToolItem } from "~/lib/timeline";
import { useTRPC } from "~/trpc/react";
import { SnippetDiff } from "./snippet-diff";
import { ToolIcon } from "./tool-icon";

const optionTone: Record<PermissionOption["kind"], string> = {
  allow_once: "bg-accent text-accent-fg hover:opacity-90",
  allow_always: "bg-panel text-fg ring-1 ring-accent/60 hover:bg-raised",
  reject_once: "bg-panel text-rose-700 dark:text-rose-300 ring-1 ring-rose-500/50 hover:bg-rose-500/10",
  reject_always: "bg-panel text-rose-700 dark:text-rose-300 ring-1 ring-rose-500/30 hover:bg-rose-500/10",
};

function commandOf(raw: unknown): string | undefined {
  if (raw && typeof raw === "object" && "command" in raw && typeof raw.command === "string") {
    const r = raw as { command: string; args?: unknown };
    return [r.command, ...(Array.isArray(r.args) ? r.args.map(String) : [])].join(" ");
  }
  return undefined;
}

/**
 * Asks the person to answer an agent's permission request with the agent's own options.
 * Enter picks the first allow option; Escape closes without answering (the agent keeps
 * waiting, and the page offers to reopen). A `resolved` event from another tab closes it.
 */
export function PermissionModal({
  request,
  tool,
  terminals,
  open,
  onDismiss,
  root,
}: {
  request: PendingPermission;
  tool?: ToolItem;
  terminals: Record<string, Terminal>;
  open: boolean;
  onDismiss: () => void;
  root?: string | null;
}) {
  const trpc = useTRPC();
  const respond = useMutation(trpc.permission.respond.mutationOptions());
  const firstAllow = request.options.find((o) => o.kind.startsWith("allow"));
  const allowRef = useRef<HTMLButtonElement>(null);
  const { reset } = respond;
  useEffect(() => reset(), [request.requestId, reset]);

  const answer = (option: PermissionOption) => {
    if (!respond.isPending) respond.mutate({ requestId: request.requestId, optionId: option.optionId });
  };
  const onKeyDown = (event: KeyboardEvent) => {
    // Enter on a focused option button presses that button; elsewhere it allows.
    if (event.key === "Enter" && firstAllow && !(event.target instanceof HTMLButtonElement)) {
      event.preventDefault();
      answer(firstAllow);
    }
  };
  const title = tool?.title && tool.title !== request.toolCallId ? tool.title : (request.title ?? tool?.title ?? "A tool call");
  const kind = tool?.toolKind ?? request.toolKind ?? "other";
  const command = commandOf(tool?.rawInput);

  return (
    <Dialog.Root open={open} onOpenChange={(next) => !next && onDismiss()}>
      <Dialog.Portal>
        <Dialog.Overlay className="fixed inset-0 z-40 bg-black/50" />
        <Dialog.Content
          data-testid="permission-modal"
          onKeyDown={onKeyDown}
          onOpenAutoFocus={(event) => {
            event.preventDefault();
            allowRef.current?.focus();
          }}
          className="fixed top-1/2 left-1/2 z-50 max-h-[90vh] w-[min(600px,calc(100vw-1.5rem))] -translate-x-1/2 -translate-y-1/2 overflow-y-auto rounded-xl border border-amber-500/40 bg-panel p-5 shadow-2xl"
        >
          <div className="flex items-center gap-2 text-xs font-semibold tracking-wide text-amber-700 uppercase dark:text-amber-300">
            <span className="size-2 animate-pulse rounded-full bg-amber-500" aria-hidden /> Permission needed
          </div>
          <Dialog.Title className="mt-2 flex items-center gap-2 text-lg font-semibold">
            <ToolIcon kind={kind} />
            <span className="min-w-0 break-words">{title}</span>
          </Dialog.Title>
          <Dialog.Description className="mt-1 text-sm text-muted">
            The agent wants to run this <span className="font-medium text-fg">{kind}</span> tool call and waits for your answer.
          </Dialog.Description>

          <div className="mt-4 grid gap-2">
            {tool && tool.locations.length > 0 && !tool.content.some((c) => c.type === "diff") && <div className="font-mono text-xs text-muted">{tool.locations.map((l) => relativePath(l.path, root)).join(", ")}</div>}
            {command && <pre className="overflow-x-auto rounded-md bg-raised px-3 py-2 font-mono text-xs">$ {command}</pre>}
            {tool?.content.map((content, i) =>
              content.type === "diff" ? (
                <SnippetDiff key={i} path={relativePath(content.path, root)} oldText={content.oldText} newText={content.newText} />
              ) : content.type === "text" ? (
                <pre key={i} className="max-h-48 overflow-auto rounded-md bg-raised p-2 text-xs whitespace-pre-wrap">{content.text}</pre>
              ) : (
                <pre key={i} className="max-h-48 overflow-auto rounded-md bg-slate-950 p-2 font-mono text-xs text-slate-100">{terminals[content.terminalId]?.data ?? ""}</pre>
              ),
            )}
          </div>

          {respond.error && (
            <p role="alert" className="mt-3 text-sm text-rose-600 dark:text-rose-400">
              {errorMessage(respond.error)}
            </p>
          )}

          <div className="mt-5 flex flex-wrap gap-2">
            {request.options.map((option) => (
              <button
                key={option.optionId}
                ref={option === firstAllow ? allowRef : undefined}
                type="button"
                disabled={respond.isPending}
                onClick={() => answer(option)}
                data-kind={option.kind}
                className={`rounded-md px-3 py-1.5 text-sm font-medium focus-visible:ring-2 focus-visible:ring-accent focus-visible:ring-offset-2 focus-visible:ring-offset-panel focus-visible:outline-none disabled:opacity-50 ${optionTone[option.kind]}`}
              >
                {option.name}
              </button>
            ))}
          </div>
          <p className="mt-4 text-xs text-muted">
            <kbd className="rounded border border-line px-1">Enter</kbd> {firstAllow ? `= ${firstAllow.name}` : ""} ·{" "}
            <kbd className="rounded border border-line px-1">Esc</kbd> closes without answering — the agent keeps waiting.
          </p>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}

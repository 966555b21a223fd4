"use client";

import { useId, useLayoutEffect, useRef, useState, type KeyboardEvent, type TextareaHTMLAttributes } from "react";
import { applyCommand, matchCommands, slashQuery, type SlashCommand } from "~/lib/slash-commands";

type Props = Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, "value" | "onChange" | "role"> & {
  value: string;
  onValueChange: (value: string) => void;
  /** The agent's slash commands; with none, this is a plain textarea. */
  commands: SlashCommand[];
  /**
   * Where the suggestions open: over the box under its first line (a tall box, e.g. in a dialog
   * that would clip anything outside it), above it (a box at the page's bottom) or below it.
   */
  placement?: "inside" | "above" | "below";
};

const placements = {
  inside: "top-8 right-2 left-2 max-h-48",
  above: "right-0 bottom-full left-0 mb-1.5 max-h-64",
  below: "top-full right-0 left-0 mt-1.5 max-h-64",
} as const;

/**
 * A prompt textarea that completes the agent's slash commands: type `/` at the start, move with
 * the arrow keys, accept with Enter or Tab (or a click), close with Escape. An ARIA combobox with a
 * listbox, so screen readers announce the highlighted command.
 */
export function PromptInput({ value, onValueChange, commands, placement = "inside", onKeyDown, className = "", ...props }: Props) {
  const listId = useId();
  const ref = useRef<HTMLTextAreaElement>(null);
  const [caret, setCaret] = useState(0);
  const [active, setActive] = useState(0);
  const [dismissedFor, setDismissedFor] = useState<string | null>(null);
  const pendingCaret = useRef<number | null>(null);

  const query = slashQuery(value, caret);
  const matches = query === null ? [] : matchCommands(commands, query);
  const open = matches.length > 0 && dismissedFor !== value;
  const index = Math.min(active, Math.max(0, matches.length - 1));

  useLayoutEffect(() => {
    const at = pendingCaret.current;
    if (at === null || !ref.current) return;
    pendingCaret.current = null;
    ref.current.setSelectionRange(at, at);
    setCaret(at);
  }, [value]);

  useLayoutEffect(() => {
    if (!open) return;
    document.getElementById(`${listId}-${index}`)?.scrollIntoView({ block: "nearest" });
  }, [open, index, listId]);

  const accept = (command: SlashCommand) => {
    const next = applyCommand(value, command.name);
    pendingCaret.current = next.caret;
    setActive(0);
    onValueChange(next.value);
    ref.current?.focus();
  };

  const trackCaret = () => setCaret(ref.current?.selectionStart ?? 0);

  const handleKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (open && !event.ctrlKey && !event.metaKey && !event.altKey) {
      const step = (delta: number) => {
        event.preventDefault();
        setActive((index + delta + matches.length) % matches.length);
      };
      if (event.key === "ArrowDown") return step(1);
      if (event.key === "ArrowUp") return step(-1);
      if ((event.key === "Enter" && !event.shiftKey) || (event.key === "Tab" && !event.shiftKey)) {
        event.preventDefault();
        accept(matches[index]!);
        return;
      }
      if (event.key === "Escape") {
        // Closes the list only; a dialog around the box sees aria-expanded and stays open.
        event.preventDefault();
        event.stopPropagation();
        setDismissedFor(value);
        return;
      }
    }
    onKeyDown?.(event);
  };

  return (
    <div className="relative flex-1">
      <textarea
        {...props}
        ref={ref}
        role="combobox"
        aria-autocomplete="list"
        aria-haspopup="listbox"
        aria-expanded={open}
        aria-controls={open ? listId : undefined}
        aria-activedescendant={open ? `${listId}-${index}` : undefined}
        className={`${className} w-full`}
        value={value}
        onChange={(e) => {
          setCaret(e.target.selectionStart);
          setActive(0);
          onValueChange(e.target.value);
        }}
        onSelect={trackCaret}
        onClick={trackCaret}
        onKeyUp={(e) => {
          if (e.key.startsWith("Arrow") && !open) trackCaret();
        }}
        onBlur={(e) => {
          setDismissedFor(value);
          props.onBlur?.(e);
        }}
        onFocus={(e) => {
          setDismissedFor(null);
          props.onFocus?.(e);
        }}
        onKeyDown={handleKeyDown}
      />
      {open && (
        <div className={`absolute z-20 flex flex-col rounded-lg border border-line bg-panel p-1 shadow-xl ${placements[placement]}`}>
          <ul id={listId} role="listbox" aria-label="Agent commands" data-testid="command-list" className="min-h-0 overflow-y-auto">
            {matches.map((command, i) => (
              <li
                key={command.name}
                id={`${listId}-${i}`}
                role="option"
                aria-selected={i === index}
                onMouseDown={(e) => e.preventDefault()}
                onMouseEnter={() => setActive(i)}
                onClick={() => accept(command)}
                className={`flex cursor-pointer items-baseline gap-3 rounded-md px-2.5 py-1.5 text-sm ${i === index ? "bg-accent/12 text-fg ring-1 ring-accent/40 ring-inset" : "text-fg"}`}
              >
                <span className="shrink-0 font-mono font-medium text-accent">/{command.name}</span>
                {command.hint && <span className="shrink-0 font-mono text-xs text-muted">&lt;{command.hint}&gt;</span>}
                <span className="min-w-0 truncate text-muted">{command.description}</span>
              </li>
            ))}
          </ul>
          <p aria-hidden className="mt-1 shrink-0 border-t border-line px-2.5 pt-1.5 pb-0.5 text-[11px] text-muted">
            <kbd className="font-sans">↑↓</kbd> to move · <kbd className="font-sans">Enter</kbd> or <kbd className="font-sans">Tab</kbd> to insert · <kbd className="font-sans">Esc</kbd> to close
          </p>
        </div>
      )}
    </div>
  );
}

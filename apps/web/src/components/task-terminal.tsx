"use client";

import { FitAddon } from "@xterm/addon-fit";
import { Terminal, type ITheme } from "@xterm/xterm";
import "@xterm/xterm/css/xterm.css";
import { useEffect, useRef, useState } from "react";
import { errorMessage } from "~/lib/format";
import { TerminalInputQueue } from "~/lib/terminal-input";
import type { TimelineEvent } from "~/lib/timeline";
import { useTRPCClient } from "~/trpc/react";

/**
 * The terminal of an agent that runs in a pseudo-terminal: replays the stored output, appends
 * live output, and while the agent runs sends what is typed and the terminal's size to it.
 * Client-only (xterm.js needs the DOM): load it with next/dynamic and `ssr: false`.
 */

const light: ITheme = {
  background: "#ffffff",
  foreground: "#151a21",
  cursor: "#0b74c9",
  cursorAccent: "#ffffff",
  selectionBackground: "#0b74c933",
  black: "#151a21",
  red: "#c4262e",
  green: "#1f7a34",
  yellow: "#946200",
  blue: "#0b5cad",
  magenta: "#a3338f",
  cyan: "#0b7285",
  white: "#8a96a3",
  brightBlack: "#5d6978",
  brightRed: "#e03131",
  brightGreen: "#2b8a3e",
  brightYellow: "#b07800",
  brightBlue: "#1c7ed6",
  brightMagenta: "#c2409a",
  brightCyan: "#1098ad",
  brightWhite: "#adb5bd",
};

const dark: ITheme = {
  background: "#0b0f15",
  foreground: "#e6ebf1",
  cursor: "#38a3f1",
  cursorAccent: "#0b0f15",
  selectionBackground: "#38a3f140",
  black: "#1a222d",
  red: "#ff6b6b",
  green: "#69db7c",
  yellow: "#ffd43b",
  blue: "#4dabf7",
  magenta: "#f783ac",
  cyan: "#3bc9db",
  white: "#ced4da",
  brightBlack: "#8b98a8",
  brightRed: "#ff8787",
  brightGreen: "#8ce99a",
  brightYellow: "#ffe066",
  brightBlue: "#74c0fc",
  brightMagenta: "#faa2c1",
  brightCyan: "#66d9e8",
  brightWhite: "#f8f9fa",
};

const themeNow = () => (document.documentElement.dataset.theme === "dark" ? dark : light);

type Chunk = { seq: number; data: string; exitCode?: number | null; signal?: string | null; truncated?: boolean };

type Props = {
  taskId: string;
  terminalId: string;
  /** The agent is running: input and resize go to it. Otherwise the terminal is read-only. */
  live: boolean;
  onEvents(listener: (batch: readonly TimelineEvent[]) => void): () => void;
};

export function TaskTerminal({ taskId, terminalId, live, onEvents }: Props) {
  const client = useTRPCClient();
  const host = useRef<HTMLDivElement>(null);
  const term = useRef<Terminal | null>(null);
  const liveRef = useRef(live);
  const [status, setStatus] = useState<"loading" | "ready" | "error">("loading");
  const [problem, setProblem] = useState<string | null>(null);
  const [exit, setExit] = useState<{ code?: number | null; signal?: string | null } | null>(null);
  const sendSize = useRef<(() => void) | null>(null);
  const [size, setSize] = useState<{ cols: number; rows: number } | null>(null);
  /** "rows cols" the agent was last told (after its resize call returned). */
  const [sentSize, setSentSize] = useState<string | null>(null);

  // The terminal itself: created once per task, replayed, then fed live output.
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    let disposed = false;
    const terminal = new Terminal({
      fontFamily: 'ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace',
      fontSize: 13,
      lineHeight: 1.2,
      scrollback: 10_000,
      cursorBlink: liveRef.current,
      disableStdin: !liveRef.current,
      cursorInactiveStyle: "outline",
      theme: themeNow(),
    });
    const fit = new FitAddon();
    terminal.loadAddon(fit);
    terminal.open(el);
    term.current = terminal;

    // Output, each stored chunk once, in seq order.
    let written = 0;
    let replaying = true;
    const early: Chunk[] = [];
    let ended = false;
    const write = (chunk: Chunk) => {
      if (chunk.seq <= written) return;
      written = chunk.seq;
      if (chunk.data) {
        // A new run after an ended one: show the cursor again.
        terminal.write(ended ? `\x1b[?25h${chunk.data}` : chunk.data);
        ended = false;
      }
      if (chunk.truncated) terminal.write("\r\n\x1b[2m[output cut here: the agent wrote more than Wharf stores]\x1b[0m\r\n");
      if (chunk.exitCode !== undefined || chunk.signal) {
        const how = chunk.signal ? `stopped by ${chunk.signal}` : `exited with code ${chunk.exitCode}`;
        // Nothing reads the terminal any more: no cursor.
        terminal.write(`\r\n\x1b[2m[${how}]\x1b[0m\r\n\x1b[?25l`);
        ended = true;
        setExit({ code: chunk.exitCode, signal: chunk.signal });
      } else if (chunk.data) {
        setExit(null);
      }
    };
    const off = onEvents((batch) => {
      for (const { seq, event } of batch) {
        if (event.type !== "terminal_output" || event.terminalId !== terminalId) continue;
        const { type: _t, terminalId: _id, ...rest } = event;
        if (replaying) early.push({ seq, ...rest });
        else write({ seq, ...rest });
      }
    });
    void (async () => {
      try {
        for (let more = true; more && !disposed; ) {
          const page = await client.task.terminalOutput.query({ taskId, terminalId, afterSeq: written });
          if (disposed) return;
          for (const chunk of page.chunks) write(chunk);
          more = page.more && page.chunks.length > 0;
        }
        replaying = false;
        for (const chunk of early.sort((a, b) => a.seq - b.seq)) write(chunk);
        early.length = 0;
        setStatus("ready");
      } catch (error) {
        if (!disposed) {
          setStatus("error");
          setProblem(`The terminal's output could not be loaded: ${errorMessage(error)}`);
        }
      }
    })();

    // Size: fit the container; while the agent runs, tell it the new size (debounced).
    let resizeTimer: ReturnType<typeof setTimeout> | undefined;
    sendSize.current = () => {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(() => {
        if (!liveRef.current || disposed) return;
        const sent = { cols: Math.max(2, terminal.cols), rows: terminal.rows };
        client.task.terminalResize.mutate({ id: taskId, ...sent }).then(() => {
          if (!disposed) setSentSize(`${sent.rows} ${sent.cols}`);
        }, (error: unknown) => {
          if (liveRef.current) setProblem(`The new size did not reach the agent: ${errorMessage(error)}`);
        });
      }, 150);
    };
    const resized = terminal.onResize(({ cols, rows }) => {
      setSize({ cols, rows });
      sendSize.current?.();
    });
    let frame: number | null = null;
    const observer = new ResizeObserver(() => {
      if (frame !== null) return;
      frame = requestAnimationFrame(() => {
        frame = null;
        // Hidden (another tab is open): keep the last size.
        if (el.clientWidth > 0 && el.clientHeight > 0) fit.fit();
      });
    });
    observer.observe(el);

    // Input: typed keys, in order, one call at a time.
    const queue = new TerminalInputQueue(
      (data) => client.task.terminalInput.mutate({ id: taskId, data }),
      (error) => {
        if (liveRef.current) setProblem(`What you typed did not reach the agent: ${errorMessage(error)}`);
      },
    );
    // Read-only: let Tab and the page's other keys work as on any page (focus moves on).
    terminal.attachCustomKeyEventHandler(() => liveRef.current);
    const typed = terminal.onData((data) => {
      if (liveRef.current) queue.push(data);
    });

    // Follow the page's theme.
    const themeWatch = new MutationObserver(() => {
      terminal.options.theme = themeNow();
    });
    themeWatch.observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });

    return () => {
      disposed = true;
      off();
      clearTimeout(resizeTimer);
      if (frame !== null) cancelAnimationFrame(frame);
      observer.disconnect();
      themeWatch.disconnect();
      resized.dispose();
      typed.dispose();
      queue.clear();
      sendSize.current = null;
      term.current = null;
      terminal.dispose();
    };
  }, [client, onEvents, taskId, terminalId]);

  // Running or not: input on or off; a new run gets the browser's size.
  useEffect(() => {
    liveRef.current = live;
    const terminal = term.current;
    if (!terminal) return;
    terminal.options.disableStdin = !live;
    terminal.options.cursorBlink = live;
    if (live) {
      setProblem(null);
      sendSize.current?.();
    }
  }, [live]);

  return (
    <div className="flex min-h-0 flex-1 flex-col overflow-hidden rounded-lg border border-line bg-white dark:bg-[#0b0f15]">
      <div className="flex items-center gap-2 border-b border-line bg-panel px-3 py-1.5 text-xs text-muted">
        <span className={`size-2 rounded-full ${live ? "animate-pulse bg-emerald-500" : exit && exit.code !== 0 ? "bg-rose-500" : "bg-slate-400"}`} aria-hidden />
        <span className="font-medium text-fg">Terminal</span>
        <span data-testid="terminal-status">
          {status === "loading"
            ? "· loading output…"
            : live
              ? "· running — click it and type to answer the agent"
              : exit
                ? exit.signal
                  ? `· stopped by ${exit.signal} · read-only`
                  : `· exited with code ${exit.code} · read-only`
                : "· read-only"}
        </span>
      </div>
      {problem && (
        <p role="alert" className="border-b border-rose-500/30 bg-rose-500/5 px-3 py-1.5 text-xs text-rose-700 dark:text-rose-300">
          {problem}
        </p>
      )}
      <div className="min-h-0 flex-1 p-2">
        <div ref={host} data-testid="task-terminal" data-cols={size?.cols} data-rows={size?.rows} data-sent-size={sentSize ?? undefined} className="h-full w-full" aria-label="Agent terminal" />
      </div>
    </div>
  );
}

import type { LiveTaskEvent, TaskEvent } from "@wharf/client";
import { stateColor, type Style } from "./style.ts";

type Out = { write(text: string): unknown };

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const RUNNING = new Set(["pending", "in_progress"]);

/**
 * Draws a task's timeline in a terminal: agent text as it streams, tool calls with a spinner while
 * they run and a ✓/✗ when they end, plans, permissions, state changes. Without a terminal it
 * prints the same lines with no spinner.
 */
export class TimelineView {
  private readonly out: Out;
  private readonly style: Style;
  private readonly spinner: boolean;
  /** The cursor is after streamed text, not at the start of a line. */
  private open: { role: string } | null = null;
  private readonly tools = new Map<string, { title: string; kind?: string; status?: string }>();
  private readonly running = new Set<string>();
  private frame = 0;
  private timer: NodeJS.Timeout | null = null;
  private spinnerShown = false;
  private paused = false;
  /** Events that arrived while a question was open; shown once it is answered. */
  private held: LiveTaskEvent[] = [];

  constructor(opts: { out: Out; style: Style; spinner: boolean }) {
    this.out = opts.out;
    this.style = opts.style;
    this.spinner = opts.spinner;
  }

  /** Prints one whole line (closing streamed text first, keeping the spinner below). */
  line(text: string): void {
    this.clearSpinner();
    if (this.open) {
      this.out.write("\n");
      this.open = null;
    }
    this.out.write(`${text}\n`);
    this.drawSpinner();
  }

  /** Stops drawing the spinner (while a question waits for an answer). */
  pause(): void {
    this.clearSpinner();
    if (this.open) {
      this.out.write("\n");
      this.open = null;
    }
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    const held = this.held;
    this.held = [];
    for (const item of held) this.event(item);
    this.drawSpinner();
  }

  close(): void {
    this.paused = false;
    for (const item of this.held.splice(0)) this.event(item);
    this.clearSpinner();
    if (this.open) this.out.write("\n");
    this.open = null;
    this.running.clear();
    this.updateTimer();
  }

  event(item: LiveTaskEvent): void {
    if (this.paused) {
      this.held.push(item);
      return;
    }
    const { event } = item;
    const s = this.style;
    switch (event.type) {
      case "message":
        return this.message(event);
      case "status": {
        const reason = event.reason ? s.dim(` — ${event.reason}`) : "";
        return this.line(`${stateColor(s, event.state)(`● ${event.state}`)}${reason}`);
      }
      case "tool_call":
        return this.toolCall(event);
      case "plan":
        this.line(s.bold("Plan"));
        for (const entry of event.entries) {
          const mark = entry.status === "completed" ? s.green("[x]") : entry.status === "in_progress" ? s.yellow("[~]") : s.gray("[ ]");
          this.line(`  ${mark} ${entry.content}`);
        }
        return;
      case "permission":
        if (event.phase === "requested") {
          return this.line(s.yellow(`? ${event.title ?? "The agent asks for permission"}${event.kind ? s.dim(` (${event.kind})`) : ""}`));
        }
        return this.line(s.dim(`  permission ${event.outcome === "selected" ? `answered: ${event.optionKind ?? event.optionId}` : event.outcome}${event.answeredBy ? ` by ${event.answeredBy}` : ""}`));
      case "terminal_output":
        for (const text of event.data.replace(/\n$/, "").split("\n")) this.line(s.gray(`  │ ${text}`));
        if (event.exitCode != null) this.line(s.gray(`  └ exit ${event.exitCode}`));
        return;
      case "change_ready":
        return this.line(s.cyan(`Δ ${event.files} file${event.files === 1 ? "" : "s"} changed, ${s.green(`+${event.additions}`)} ${s.red(`-${event.deletions}`)}`));
      case "error":
        return this.line(s.red(`✗ ${event.message}`));
      case "mode":
        return this.line(s.dim(`  mode: ${event.modeId}`));
      case "usage":
      case "commands":
        return;
    }
  }

  private message(event: Extract<TaskEvent, { type: "message" }>): void {
    const s = this.style;
    if (event.role === "user") {
      this.line(s.bold(`› ${event.text.split("\n")[0]}${event.text.includes("\n") ? " …" : ""}`));
      return;
    }
    this.clearSpinner();
    if (this.open && this.open.role !== event.role) {
      this.out.write("\n");
      this.open = null;
    }
    const paint = event.role === "thought" ? (t: string) => s.dim(s.italic(t)) : (t: string) => t;
    this.out.write(paint(event.text));
    this.open = event.text.endsWith("\n") ? null : { role: event.role };
    this.drawSpinner();
  }

  private toolCall(event: Extract<TaskEvent, { type: "tool_call" }>): void {
    const s = this.style;
    const known = this.tools.get(event.toolCallId);
    const tool = {
      title: event.title ?? known?.title ?? event.toolCallId,
      kind: event.kind ?? known?.kind,
      status: event.status ?? known?.status ?? "pending",
    };
    this.tools.set(event.toolCallId, tool);
    const label = `${tool.title}${tool.kind ? s.dim(` (${tool.kind})`) : ""}`;
    if (RUNNING.has(tool.status) || tool.status === "awaiting_permission") {
      if (!known) this.line(`${s.cyan("○")} ${label}`);
      this.running.add(event.toolCallId);
    } else if (known && !RUNNING.has(known.status ?? "pending") && known.status !== "awaiting_permission") {
      // Already shown as ended (e.g. denied, then failed): one line per tool call is enough.
    } else {
      this.running.delete(event.toolCallId);
      const mark = tool.status === "completed" ? s.green("✓") : s.red("✗");
      const note = tool.status === "denied" ? s.dim(" denied") : tool.status === "failed" ? s.dim(" failed") : "";
      this.line(`${mark} ${label}${note}`);
    }
    this.updateTimer();
    this.drawSpinner();
  }

  private updateTimer(): void {
    const want = this.spinner && this.running.size > 0;
    if (want && !this.timer) {
      this.timer = setInterval(() => {
        this.frame = (this.frame + 1) % FRAMES.length;
        this.drawSpinner();
      }, 80);
    } else if (!want && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
      this.clearSpinner();
    }
  }

  private drawSpinner(): void {
    if (!this.spinner || this.paused || this.open || this.running.size === 0) return;
    const titles = [...this.running].map((id) => this.tools.get(id)?.title ?? id);
    const text = `${this.style.cyan(FRAMES[this.frame]!)} ${titles.join(", ")}`.slice(0, 200);
    this.out.write(`\r\x1b[2K${text}`);
    this.spinnerShown = true;
  }

  private clearSpinner(): void {
    if (!this.spinnerShown) return;
    this.out.write("\r\x1b[2K");
    this.spinnerShown = false;
  }
}

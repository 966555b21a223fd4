import type { TaskEventOf } from "@wharf/api/schemas";

type TerminalOutput = TaskEventOf<"terminal_output">;

export type TerminalStreamOptions = {
  terminalId: string;
  emit(event: TerminalOutput): void;
  /** Chunks arriving within this window become one event. */
  coalesceMs?: number;
  /** Output stored per stream, in UTF-8 bytes; past it one `truncated` marker and then nothing. */
  capBytes?: number;
  /** Kept for error messages even after the cap. */
  tailChars?: number;
};

/** One event carries at most this many characters, so a flood still becomes bounded rows. */
const maxEventChars = 64 * 1024;

/**
 * Terminal output of one run turned into `terminal_output` events: small chunks coalesced (one
 * event per `coalesceMs` at most, while output keeps coming), the ANSI bytes kept as they are,
 * and the stored total capped. The last `tailChars` characters are kept for error messages.
 */
export class TerminalStream {
  private pending = "";
  private timer: NodeJS.Timeout | null = null;
  private stored = 0;
  private truncated = false;
  private tailText = "";
  private readonly coalesceMs: number;
  private readonly capBytes: number;
  private readonly tailChars: number;

  constructor(private readonly opts: TerminalStreamOptions) {
    this.coalesceMs = opts.coalesceMs ?? 16;
    this.capBytes = opts.capBytes ?? 4 * 1024 * 1024;
    this.tailChars = opts.tailChars ?? 4000;
  }

  write(data: string): void {
    if (data.length === 0) return;
    this.tailText = (this.tailText + data).slice(-this.tailChars);
    if (this.truncated) return;
    this.pending += data;
    if (this.pending.length >= maxEventChars) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.coalesceMs);
  }

  /** Emits what is pending now. */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    while (this.pending.length > 0 && !this.truncated) {
      let chunk = this.pending.slice(0, maxEventChars);
      // Never split a surrogate pair between two events.
      if (chunk.length < this.pending.length && /[\ud800-\udbff]$/.test(chunk)) chunk = chunk.slice(0, -1);
      this.pending = this.pending.slice(chunk.length);
      const bytes = Buffer.byteLength(chunk, "utf8");
      if (this.stored + bytes > this.capBytes) {
        const fits = fitBytes(chunk, this.capBytes - this.stored);
        if (fits) this.opts.emit({ type: "terminal_output", terminalId: this.opts.terminalId, data: fits });
        this.stored = this.capBytes;
        this.truncated = true;
        this.pending = "";
        this.opts.emit({ type: "terminal_output", terminalId: this.opts.terminalId, data: "", truncated: true });
        return;
      }
      this.stored += bytes;
      this.opts.emit({ type: "terminal_output", terminalId: this.opts.terminalId, data: chunk });
    }
  }

  /** Flushes, then emits the final event with how the process ended. */
  end(exit: { exitCode: number | null; signal: string | null }): void {
    this.flush();
    this.opts.emit({ type: "terminal_output", terminalId: this.opts.terminalId, data: "", exitCode: exit.exitCode, signal: exit.signal });
  }

  /** The last characters written, stored or not. */
  get tail(): string {
    return this.tailText;
  }

  get storedBytes(): number {
    return this.stored;
  }
}

/** The longest prefix of `text` that is at most `bytes` UTF-8 bytes and ends on a character. */
function fitBytes(text: string, bytes: number): string {
  if (bytes <= 0) return "";
  const buf = Buffer.from(text, "utf8").subarray(0, bytes);
  // A cut in the middle of a character decodes to U+FFFD at the end; drop it.
  return buf.toString("utf8").replace(/\ufffd$/, "");
}

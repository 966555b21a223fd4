/**
 * Server-sent events, as OpenAI-compatible servers stream chat completions: lines of `field: value`,
 * an event ends at a blank line, and only `data` matters here (several `data` lines join with a
 * newline). Comments (`: keep-alive`) and other fields are skipped. Text arrives in arbitrary
 * pieces, so a line may be split anywhere, including between `\r` and `\n`.
 */
export class SseDecoder {
  private buffer = "";
  private data: string[] = [];
  private sawCr = false;
  private pendingBytes = 0;
  private readonly maxLineChars: number;

  /** `maxLineChars` bounds one line and one event (a server that never sends a newline cannot fill memory). */
  constructor(maxLineChars = 4 * 1024 * 1024) {
    this.maxLineChars = maxLineChars;
  }

  /** Feeds a piece of the stream; returns the data of every event it completed. */
  push(text: string): string[] {
    const events: string[] = [];
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      if (c === 10 && this.sawCr && i === start && this.buffer === "") {
        // the \n of a \r\n whose \r ended the previous line
        this.sawCr = false;
        start = i + 1;
        continue;
      }
      this.line(this.buffer + text.slice(start, i), events);
      this.buffer = "";
      this.sawCr = c === 13;
      start = i + 1;
    }
    if (start < text.length) {
      this.sawCr = false;
      this.buffer += text.slice(start);
      if (this.buffer.length > this.maxLineChars) {
        throw new SseLineTooLongError(this.maxLineChars);
      }
    }
    return events;
  }

  /** The stream ended: an event still open (no final blank line) is delivered. */
  end(): string[] {
    const events: string[] = [];
    if (this.buffer !== "") this.line(this.buffer, events);
    this.buffer = "";
    if (this.data.length > 0) events.push(this.data.join("\n"));
    this.data = [];
    this.pendingBytes = 0;
    return events;
  }

  private line(line: string, events: string[]): void {
    if (line === "") {
      if (this.data.length > 0) events.push(this.data.join("\n"));
      this.data = [];
      this.pendingBytes = 0;
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    if (field !== "data") return;
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    this.pendingBytes += value.length;
    if (this.pendingBytes > this.maxLineChars) throw new SseLineTooLongError(this.maxLineChars);
    this.data.push(value);
  }
}

export class SseLineTooLongError extends Error {
  readonly limit: number;

  constructor(limit: number) {
    super(`an event in the stream is longer than ${limit} characters`);
    this.name = "SseLineTooLongError";
    this.limit = limit;
  }
}

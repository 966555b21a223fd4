/**
 * Keystrokes from the browser's terminal, sent to the server one call at a time so they arrive
 * in the order they were typed (concurrent HTTP requests may overtake each other). What is typed
 * while a call is in flight is sent together in the next one, at most `max` characters per call.
 */
export class TerminalInputQueue {
  private queue = "";
  private sending = false;

  constructor(
    private readonly send: (data: string) => Promise<unknown>,
    private readonly onError: (error: unknown) => void,
    private readonly max = 1024,
  ) {}

  push(data: string): void {
    if (!data) return;
    this.queue += data;
    void this.pump();
  }

  /** Drops what has not been sent yet (the program ended). */
  clear(): void {
    this.queue = "";
  }

  private async pump(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.queue) {
        let chunk = this.queue.slice(0, this.max);
        // Keep a surrogate pair together.
        if (chunk.length < this.queue.length && /[\ud800-\udbff]$/.test(chunk)) chunk = chunk.slice(0, -1);
        this.queue = this.queue.slice(chunk.length);
        try {
          await this.send(chunk);
        } catch (error) {
          // Later keystrokes make no sense without the ones that were lost.
          this.queue = "";
          this.onError(error);
        }
      }
    } finally {
      this.sending = false;
    }
  }
}

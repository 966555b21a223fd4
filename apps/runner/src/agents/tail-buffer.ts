/** Keeps the last `capacity` bytes written to it (an agent's stderr); memory stays bounded. */
export class TailBuffer {
  private buf: Buffer;
  private start = 0;
  private length = 0;

  constructor(readonly capacity = 8192) {
    this.buf = Buffer.alloc(capacity);
  }

  write(chunk: Buffer): void {
    if (chunk.length >= this.capacity) {
      chunk.copy(this.buf, 0, chunk.length - this.capacity);
      this.start = 0;
      this.length = this.capacity;
      return;
    }
    const end = (this.start + this.length) % this.capacity;
    const first = Math.min(chunk.length, this.capacity - end);
    chunk.copy(this.buf, end, 0, first);
    chunk.copy(this.buf, 0, first);
    const overflow = Math.max(0, this.length + chunk.length - this.capacity);
    this.start = (this.start + overflow) % this.capacity;
    this.length = Math.min(this.capacity, this.length + chunk.length);
  }

  /** The kept bytes as UTF-8 text, starting at a character boundary. */
  text(): string {
    const bytes = Buffer.alloc(this.length);
    const first = Math.min(this.length, this.capacity - this.start);
    this.buf.copy(bytes, 0, this.start, this.start + first);
    this.buf.copy(bytes, first, 0, this.length - first);
    return bytes.subarray(charBoundary(bytes)).toString("utf8");
  }
}

/** Index of the first byte of `bytes` that is not a UTF-8 continuation byte (at most 3 skipped). */
export function charBoundary(bytes: Uint8Array, from = 0): number {
  let i = from;
  while (i < bytes.length && i < from + 3 && ((bytes[i] ?? 0) & 0xc0) === 0x80) i++;
  return i;
}

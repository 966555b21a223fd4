import { describe, expect, it } from "vitest";
import { TailBuffer } from "./tail-buffer";

describe("TailBuffer", () => {
  it("keeps everything until full, then only the last bytes", () => {
    const tail = new TailBuffer(10);
    tail.write(Buffer.from("hello "));
    expect(tail.text()).toBe("hello ");
    tail.write(Buffer.from("world!"));
    expect(tail.text()).toBe("llo world!");
    tail.write(Buffer.from("abc"));
    expect(tail.text()).toBe(" world!abc");
    tail.write(Buffer.from("0123456789ABCDEF"));
    expect(tail.text()).toBe("6789ABCDEF");
  });

  it("never starts in the middle of a character", () => {
    const tail = new TailBuffer(4);
    tail.write(Buffer.from("aé€")); // a(1) é(2) €(3) = 6 bytes; the last 4 start inside é
    expect(tail.text()).toBe("€");
  });

  it("stays bounded under many writes", () => {
    const tail = new TailBuffer(8192);
    for (let i = 0; i < 10_000; i++) tail.write(Buffer.from(`line ${i}\n`));
    const text = tail.text();
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(8192);
    expect(text.endsWith("line 9999\n")).toBe(true);
  });
});

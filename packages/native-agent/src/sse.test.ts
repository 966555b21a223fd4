import { describe, expect, it } from "vitest";
import { SseDecoder, SseLineTooLongError } from "./sse.ts";

function decodeIn(pieces: string[]): string[] {
  const decoder = new SseDecoder();
  return [...pieces.flatMap((p) => decoder.push(p)), ...decoder.end()];
}

describe("SseDecoder", () => {
  const stream = 'data: {"a":1}\n\ndata: {"b":2}\n\ndata: [DONE]\n\n';

  it("yields the data of each event", () => {
    expect(decodeIn([stream])).toEqual(['{"a":1}', '{"b":2}', "[DONE]"]);
  });

  it("gives the same events however the text is split, even one character at a time", () => {
    expect(decodeIn(Array.from(stream))).toEqual(['{"a":1}', '{"b":2}', "[DONE]"]);
    for (let cut = 1; cut < stream.length; cut++) {
      expect(decodeIn([stream.slice(0, cut), stream.slice(cut)])).toEqual(['{"a":1}', '{"b":2}', "[DONE]"]);
    }
  });

  it("accepts \\r\\n and \\r line ends, also with \\r\\n split between pieces", () => {
    expect(decodeIn(["data: one\r\n\r\ndata: two\r\r"])).toEqual(["one", "two"]);
    expect(decodeIn(["data: one\r", "\n\r", "\ndata: two\r\n", "\r\n"])).toEqual(["one", "two"]);
  });

  it("joins multi-line data with newlines and skips comments and other fields", () => {
    expect(decodeIn([": keep-alive\n\nevent: message\nid: 7\ndata: first\ndata:second\nretry: 10\n\n"])).toEqual(["first\nsecond"]);
  });

  it("takes only one leading space off a value, and keeps colons inside it", () => {
    expect(decodeIn(['data:  {"url":"http://x"}\n\n'])).toEqual([' {"url":"http://x"}']);
  });

  it("delivers an event the server did not end with a blank line", () => {
    expect(decodeIn(['data: {"last":true}'])).toEqual(['{"last":true}']);
    expect(decodeIn(['data: {"last":true}\n'])).toEqual(['{"last":true}']);
  });

  it("ignores blank lines without data", () => {
    expect(decodeIn(["\n\n\n", "data: x\n\n\n\n"])).toEqual(["x"]);
  });

  it("refuses a line or an event longer than its limit", () => {
    const decoder = new SseDecoder(10);
    expect(() => decoder.push("data: 0123456789abc")).toThrow(SseLineTooLongError);
    const events = new SseDecoder(10);
    expect(() => events.push("data: 012345\ndata: 678901\n")).toThrow(/longer than 10 characters/);
  });
});

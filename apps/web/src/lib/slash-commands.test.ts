import { describe, expect, it } from "vitest";
import { applyCommand, matchCommands, slashQuery } from "./slash-commands";

const commands = [
  { name: "review", description: "Review the change" },
  { name: "test", description: "Run the tests", hint: "filter" },
  { name: "pretest", description: "Prepare" },
];

describe("slash commands", () => {
  it("finds the query only in a leading slash word under the caret", () => {
    expect(slashQuery("/", 1)).toBe("");
    expect(slashQuery("/te", 3)).toBe("te");
    expect(slashQuery("/te", 2)).toBe("t");
    expect(slashQuery("/test now", 9)).toBeNull();
    expect(slashQuery("say /test", 9)).toBeNull();
    expect(slashQuery("", 0)).toBeNull();
    expect(slashQuery("/x", 0)).toBeNull();
  });

  it("ranks prefix matches before inner ones, case-insensitively, without duplicates", () => {
    expect(matchCommands(commands, "").map((c) => c.name)).toEqual(["review", "test", "pretest"]);
    expect(matchCommands(commands, "TE").map((c) => c.name)).toEqual(["test", "pretest"]);
    expect(matchCommands([...commands, { name: "Test", description: "" }], "t").map((c) => c.name)).toEqual(["test", "pretest"]);
    expect(matchCommands(commands, "zz")).toEqual([]);
  });

  it("replaces the typed word and keeps what follows", () => {
    expect(applyCommand("/te", "test")).toEqual({ value: "/test ", caret: 6 });
    expect(applyCommand("/re the parser", "review")).toEqual({ value: "/review the parser", caret: 8 });
  });
});

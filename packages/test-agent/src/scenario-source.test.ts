import { describe, expect, it } from "vitest";
import { InvalidScenarioError } from "./errors.ts";
import { scenarioTurns } from "./scenario-schema.ts";
import { loadNamedScenario, namedScenarioNames, parseScenario, scenarioFromPrompt, scenarioPrompt } from "./scenario-source.ts";
import { splitText } from "./update-steps.ts";

describe("named scenarios", () => {
  it("ships the documented ones, and every one parses", () => {
    const names = namedScenarioNames();
    expect(names).toEqual(
      expect.arrayContaining(["echo", "edit-file", "hang", "crash-mid-turn", "garbage", "read-outside", "run-command", "quirks"]),
    );
    for (const name of names) expect(loadNamedScenario(name)?.name).toBe(name);
  });

  it("finds no scenario for unknown or path-like names", () => {
    expect(loadNamedScenario("no-such-scenario")).toBeUndefined();
    expect(loadNamedScenario("../package")).toBeUndefined();
  });
});

describe("scenarioFromPrompt", () => {
  it("takes a fenced scenario block from anywhere in the prompt", () => {
    const prompt = `Please do this.\n\n\`\`\`scenario\n{"steps": [{"type": "text", "text": "hi"}]}\n\`\`\`\nThanks.`;
    const scenario = scenarioFromPrompt(prompt);
    expect(scenario && scenarioTurns(scenario)).toEqual([[{ type: "text", text: "hi", chunks: 1, delayMs: 0 }]]);
  });

  it("ends the block at a fence that starts a line, so a scenario can carry a subtask's scenario prompt", () => {
    const inner = scenarioPrompt({ steps: [{ type: "text", text: "inner" }] });
    const outer = `Go.\n\`\`\`scenario\n${JSON.stringify({ steps: [{ type: "text", text: inner }] })}\n\`\`\``;
    const scenario = scenarioFromPrompt(outer);
    expect(scenario && scenarioTurns(scenario)).toEqual([[{ type: "text", text: inner, chunks: 1, delayMs: 0 }]]);
  });

  it("round-trips through scenarioPrompt", () => {
    const scenario = { turns: [[{ type: "sleep", ms: 5 }], [{ type: "stop", stopReason: "refusal" }]] };
    expect(scenarioFromPrompt(scenarioPrompt(scenario))?.turns).toEqual(scenario.turns);
  });

  it("takes a prompt that is just a scenario name, and nothing from other prompts", () => {
    expect(scenarioFromPrompt("  hang\n")?.name).toBe("hang");
    expect(scenarioFromPrompt("please hang")).toBeUndefined();
  });
});

describe("parseScenario", () => {
  it("names the path of each problem", () => {
    const parse = () => parseScenario('{"turns": [[{"type": "text", "text": "a", "chunk": 2}]]}', "test");
    expect(parse).toThrow(InvalidScenarioError);
    expect(parse).toThrow(/turns\.0\.0: Unrecognized key: "chunk"/);
  });

  it("wants exactly one of turns and steps", () => {
    expect(() => parseScenario("{}", "test")).toThrow(/either `turns` or `steps`/);
    expect(() => parseScenario('{"turns": [[]], "steps": []}', "test")).toThrow(/either `turns` or `steps`/);
  });

  it("rejects nested steps that are invalid", () => {
    const text = '{"steps": [{"type": "permission", "toolCallId": "t", "onAllow": [{"type": "warp"}]}]}';
    expect(() => parseScenario(text, "test")).toThrow(/steps\.0\.onAllow\.0\.type/);
  });
});

describe("splitText", () => {
  it("splits into near-equal pieces that join back to the text", () => {
    expect(splitText("abcdefg", 3)).toEqual(["ab", "cd", "efg"]);
    expect(splitText("ab", 5)).toEqual(["a", "b"]);
    expect(splitText("😀😀", 2)).toEqual(["😀", "😀"]);
  });
});

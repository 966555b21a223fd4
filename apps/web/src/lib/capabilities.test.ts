import { describe, expect, it } from "vitest";
import { agentChoices, defaultLabel } from "./capabilities";

describe("agentChoices", () => {
  it("reads what the runner cached", () => {
    const choices = agentChoices({
      modes: [{ id: "ask", name: "Ask" }, { id: "code", name: "Code", description: "Edit files" }],
      defaultMode: "code",
      models: [{ id: "m1", name: "Model one" }],
      commands: [{ name: "test", description: "Run the tests", hint: "filter" }],
      reportedAt: "2026-01-01T00:00:00.000Z",
    });
    expect(choices).toEqual({
      modes: [{ id: "ask", name: "Ask" }, { id: "code", name: "Code", description: "Edit files" }],
      models: [{ id: "m1", name: "Model one" }],
      defaultMode: "code",
      commands: [{ name: "test", description: "Run the tests", hint: "filter" }],
    });
    expect(defaultLabel(choices.modes, choices.defaultMode)).toBe("Agent default (Code)");
    expect(defaultLabel(choices.models, undefined)).toBe("Agent default");
  });
  it("gives nothing for unknown shapes", () => {
    expect(agentChoices({ modes: "x" })).toEqual({ modes: [], models: [], commands: [] });
    expect(agentChoices(null)).toEqual({ modes: [], models: [], commands: [] });
    expect(agentChoices({})).toEqual({ modes: [], models: [], commands: [] });
  });
});

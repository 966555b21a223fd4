import { describe, expect, it } from "vitest";
import { agentChoices } from "./capabilities";

describe("agentChoices", () => {
  it("reads modes and models in either id spelling", () => {
    expect(agentChoices({ modes: [{ id: "code", name: "Code" }], models: [{ modelId: "m1" }] })).toEqual({
      modes: [{ id: "code", name: "Code" }],
      models: [{ id: "m1", name: "m1" }],
    });
  });
  it("gives nothing for unknown shapes", () => {
    expect(agentChoices({ modes: "x" })).toEqual({ modes: [], models: [] });
    expect(agentChoices(null)).toEqual({ modes: [], models: [] });
  });
});

import { describe, expect, it } from "vitest";
import { agentChoices, agentReport, defaultLabel, reportSummary } from "./capabilities";

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
  it("gives nothing when nothing is known (the API answers null for a shape it cannot read)", () => {
    expect(agentChoices(null)).toEqual({ modes: [], models: [], commands: [] });
    expect(agentChoices(undefined)).toEqual({ modes: [], models: [], commands: [] });
    expect(agentChoices({})).toEqual({ modes: [], models: [], commands: [] });
  });
});

describe("agentReport", () => {
  it("sums up what the agent reported, taking models from a model option when there is no list", () => {
    const report = agentReport({
      agentName: "wharf-native-agent",
      agentVersion: "0.1.0",
      configOptions: [{ id: "model", name: "Model", category: "model", currentValue: "b", options: [{ id: "a", name: "a" }, { id: "b", name: "b" }] }],
      commands: [{ name: "test", description: "" }],
    });
    expect(report).toMatchObject({ agent: "wharf-native-agent", version: "0.1.0", modes: [], models: [{ id: "a" }, { id: "b" }], defaultModel: "b" });
    expect(reportSummary(report!)).toBe("2 models · 1 command");
    const scripted = agentReport({ modes: [{ id: "ask", name: "Ask" }], models: [{ id: "m", name: "M" }], defaultModel: "m", commands: [] });
    expect(reportSummary(scripted!)).toBe("1 mode · 1 model");
    expect(reportSummary(agentReport({ agentVersion: "2.0" })!)).toBe("version 2.0");
  });
  it("is null when nothing was reported", () => {
    expect(agentReport({})).toBeNull();
    expect(agentReport({ loadSession: true, reportedAt: "2026-01-01T00:00:00.000Z" })).toBeNull();
    expect(agentReport(null)).toBeNull();
  });
});

import { describe, expect, it } from "vitest";
import { formFromAgent, issuesByField, localIssues, parseArgs, slugify, toUpsertInput } from "./agent-form";

const stored = { id: "my-agent", name: "My agent", transport: "acp", command: "node", args: ["/opt/agent.js", "--fast"], env: { MODE: "x" }, secretEnvKeys: ["API_KEY", "OLD_KEY", "KEPT_KEY"] };

describe("agent form", () => {
  it("takes one argument per line and drops blank lines", () => {
    expect(parseArgs("/opt/agent.js\n\n--model  gpt\r\n  --flag  \n")).toEqual(["/opt/agent.js", "--model  gpt", "  --flag"]);
    expect(parseArgs("")).toEqual([]);
  });

  it("suggests an id from the name", () => {
    expect(slugify("My Agent #2 ")).toBe("my-agent-2");
  });

  it("sends stored secrets only when they are replaced or cleared, new ones with their value", () => {
    const state = formFromAgent(stored);
    expect(state.secrets.every((s) => s.value === "" && s.stored)).toBe(true);
    state.secrets[0] = { ...state.secrets[0]!, action: "replace", value: "new-value" };
    state.secrets[1] = { ...state.secrets[1]!, action: "remove" };
    state.secrets.push({ key: 99, name: "NEW_KEY", value: "fresh", stored: false, action: "keep" }, { key: 100, name: "", value: "", stored: false, action: "keep" });
    expect(toUpsertInput(state, "edit")).toEqual({
      id: "my-agent",
      name: "My agent",
      transport: "acp",
      command: "node",
      args: ["/opt/agent.js", "--fast"],
      env: { MODE: "x" },
      secretEnv: { API_KEY: "new-value", OLD_KEY: null, NEW_KEY: "fresh" },
      expect: "existing",
    });
  });

  it("keeps a transport the form does not offer", () => {
    expect(toUpsertInput(formFromAgent({ ...stored, transport: "native" }), "edit").transport).toBe("native");
    expect(toUpsertInput(formFromAgent({ ...stored, transport: "pty" }), "edit").transport).toBe("pty");
  });

  it("finds names set twice before asking the API", () => {
    const state = formFromAgent({ ...stored, secretEnvKeys: ["MODE"] });
    expect(localIssues(state)).toEqual({ "secretEnv.MODE": "MODE is set twice; keep one." });
    expect(localIssues(formFromAgent(stored))).toEqual({});
    const replacing = formFromAgent(stored);
    replacing.secrets[2] = { ...replacing.secrets[2]!, action: "replace" };
    expect(localIssues(replacing)).toEqual({ "secretEnv.KEPT_KEY": "Type the value of KEPT_KEY, or remove the row." });
  });

  it("puts the API's issues on their fields", () => {
    const error = { data: { zodIssues: [{ path: ["command"], message: "Give the command." }, { path: ["env", "1BAD"], message: "Bad name." }, { path: ["args", 3], message: "Too long." }] } };
    expect(issuesByField(error)).toEqual({ command: "Give the command.", "env.1BAD": "Bad name.", args: "Too long." });
    expect(issuesByField(new Error("x"))).toEqual({});
  });
});

import { describe, expect, it } from "vitest";
import { emptyForm, formFromAgent, issuesByField, localIssues, parseArgs, slugify, toUpsertInput, type AgentLike } from "./agent-form";

const stored: AgentLike = { id: "my-agent", name: "My agent", transport: "acp", command: "node", args: ["/opt/agent.js", "--fast"], env: { MODE: "x" }, secretEnvKeys: ["API_KEY", "OLD_KEY", "KEPT_KEY"], sandboxNetwork: true, maxRunning: null };

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
      sandboxNetwork: true,
      maxRunning: null,
      expect: "existing",
    });
  });

  it("keeps an agent's fleet-wide cap, and clears it when the field is emptied", () => {
    const capped = formFromAgent({ ...stored, maxRunning: 2 });
    expect(capped.maxRunningText).toBe("2");
    expect(toUpsertInput(capped, "edit").maxRunning).toBe(2);
    expect(toUpsertInput({ ...capped, maxRunningText: " " }, "edit").maxRunning).toBeNull();
    expect(toUpsertInput({ ...capped, maxRunningText: " 3 " }, "edit").maxRunning).toBe(3);
  });

  it("keeps an agent's network switch and sends the one the form shows", () => {
    expect(emptyForm().sandboxNetwork).toBe(true);
    const loopbackOnly = formFromAgent({ ...stored, sandboxNetwork: false });
    expect(loopbackOnly.sandboxNetwork).toBe(false);
    expect(toUpsertInput(loopbackOnly, "edit").sandboxNetwork).toBe(false);
    expect(toUpsertInput({ ...loopbackOnly, sandboxNetwork: true }, "edit").sandboxNetwork).toBe(true);
  });

  it("keeps the stored transport", () => {
    expect(toUpsertInput(formFromAgent({ ...stored, transport: "native" }), "edit").transport).toBe("native");
    expect(toUpsertInput(formFromAgent({ ...stored, transport: "pty" }), "edit").transport).toBe("pty");
  });

  const nativeAgent: AgentLike = {
    ...stored,
    transport: "native",
    command: "wharf-native-agent",
    args: [],
    env: { WHARF_NATIVE_BASE_URL: "http://127.0.0.1:11434/v1", WHARF_NATIVE_MODEL: "a,b", WHARF_NATIVE_MAX_ROUNDS: "9" },
    secretEnvKeys: ["WHARF_NATIVE_API_KEY"],
  };

  it("gives a native agent's settings their own fields and sends them back as variables, with no command", () => {
    const state = formFromAgent(nativeAgent);
    expect(state).toMatchObject({ baseUrl: "http://127.0.0.1:11434/v1", model: "a,b", command: "", argsText: "", secrets: [], apiKey: { stored: true, action: "keep", value: "" } });
    expect(state.env.map((r) => r.name)).toEqual(["WHARF_NATIVE_MAX_ROUNDS"]);
    // The stored key is not sent unless replaced or cleared.
    expect(toUpsertInput({ ...state, model: " a , ,c " }, "edit")).toEqual({
      id: "my-agent",
      name: "My agent",
      transport: "native",
      command: "",
      args: [],
      env: { WHARF_NATIVE_MAX_ROUNDS: "9", WHARF_NATIVE_BASE_URL: "http://127.0.0.1:11434/v1", WHARF_NATIVE_MODEL: "a,c" },
      secretEnv: {},
      sandboxNetwork: true,
      maxRunning: null,
      expect: "existing",
    });
    expect(toUpsertInput({ ...state, apiKey: { stored: true, action: "replace", value: "sk-new" } }, "edit").secretEnv).toEqual({ WHARF_NATIVE_API_KEY: "sk-new" });
    expect(toUpsertInput({ ...state, apiKey: { stored: true, action: "remove", value: "" } }, "edit").secretEnv).toEqual({ WHARF_NATIVE_API_KEY: null });
    // Empty fields are left out, so the API names what is missing.
    expect(toUpsertInput({ ...emptyForm(), transport: "native", id: "n", name: "N" }, "add")).toMatchObject({ env: {}, secretEnv: {} });
    expect(toUpsertInput({ ...emptyForm(), transport: "native", apiKey: { stored: false, action: "keep", value: "sk" } }, "add").secretEnv).toEqual({ WHARF_NATIVE_API_KEY: "sk" });
  });

  it("drops a native agent's settings and key when it becomes another kind", () => {
    const state = { ...formFromAgent(nativeAgent), transport: "acp" as const, command: "node" };
    expect(toUpsertInput(state, "edit")).toMatchObject({ command: "node", env: { WHARF_NATIVE_MAX_ROUNDS: "9" }, secretEnv: { WHARF_NATIVE_API_KEY: null } });
  });

  it("asks for the new key when replacing it, and points native variables typed as rows to their fields", () => {
    const state = formFromAgent(nativeAgent);
    expect(localIssues({ ...state, apiKey: { stored: true, action: "replace", value: "" } })).toEqual({ "secretEnv.WHARF_NATIVE_API_KEY": "Type the new API key, or keep the stored one." });
    const rows = { ...state, env: [{ key: 1, name: "WHARF_NATIVE_MODEL", value: "x" }], secrets: [{ key: 2, name: "WHARF_NATIVE_API_KEY", value: "sk", stored: false, action: "keep" as const }] };
    expect(localIssues(rows)).toEqual({
      "env.WHARF_NATIVE_MODEL": "WHARF_NATIVE_MODEL has its own field above; remove this row.",
      "secretEnv.WHARF_NATIVE_API_KEY": "WHARF_NATIVE_API_KEY has its own field above; remove this row.",
    });
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

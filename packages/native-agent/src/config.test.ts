import { describe, expect, it } from "vitest";
import { readConfig } from "./config.ts";

describe("readConfig", () => {
  it("reads the endpoint, model and key, with defaults for the rest", () => {
    expect(readConfig({ WHARF_NATIVE_BASE_URL: " http://127.0.0.1:11434/v1/ ", WHARF_NATIVE_MODEL: "qwen2.5-coder:7b", WHARF_NATIVE_API_KEY: "sk-1" })).toEqual({
      baseUrl: "http://127.0.0.1:11434/v1",
      model: "qwen2.5-coder:7b",
      models: ["qwen2.5-coder:7b"],
      apiKey: "sk-1",
      maxRounds: 50,
      idleTimeoutMs: 300_000,
    });
    expect(readConfig({ WHARF_NATIVE_BASE_URL: "https://api.example/v1", WHARF_NATIVE_MODEL: "m", WHARF_NATIVE_API_KEY: "  ", WHARF_NATIVE_MAX_ROUNDS: "3" })).toMatchObject({ apiKey: undefined, maxRounds: 3 });
  });

  it("takes several models separated by commas, the first being the default", () => {
    expect(readConfig({ WHARF_NATIVE_BASE_URL: "http://x/v1", WHARF_NATIVE_MODEL: " small , large,small,, " })).toMatchObject({ model: "small", models: ["small", "large"] });
    expect(() => readConfig({ WHARF_NATIVE_BASE_URL: "http://x/v1", WHARF_NATIVE_MODEL: " , " })).toThrow(/WHARF_NATIVE_MODEL is empty/);
  });

  it("names every variable that is missing or wrong", () => {
    expect(() => readConfig({})).toThrow(/WHARF_NATIVE_BASE_URL is not set; .*WHARF_NATIVE_MODEL is not set/);
    expect(() => readConfig({ WHARF_NATIVE_BASE_URL: "ftp://x", WHARF_NATIVE_MODEL: "m" })).toThrow(/WHARF_NATIVE_BASE_URL must be an http:\/\/ or https:\/\/ URL/);
    expect(() => readConfig({ WHARF_NATIVE_BASE_URL: "http://x/v1", WHARF_NATIVE_MODEL: "m", WHARF_NATIVE_MAX_ROUNDS: "0" })).toThrow(/WHARF_NATIVE_MAX_ROUNDS must be at least 1/);
    expect(() => readConfig({ WHARF_NATIVE_BASE_URL: "http://x/v1", WHARF_NATIVE_MODEL: "m", WHARF_NATIVE_IDLE_TIMEOUT_MS: "soon" })).toThrow(/WHARF_NATIVE_IDLE_TIMEOUT_MS must be a whole number/);
  });
});

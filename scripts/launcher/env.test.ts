import { describe, expect, it } from "vitest";
import { LauncherEnvError, parseLauncherEnv } from "./env";

describe("parseLauncherEnv", () => {
  it("defaults to 127.0.0.1:7777", () => {
    expect(parseLauncherEnv({})).toEqual({ host: "127.0.0.1", port: 7777, runnerConcurrency: undefined });
  });

  it("reads WHARF_PORT, WHARF_HOST and WHARF_RUNNER_CONCURRENCY", () => {
    expect(parseLauncherEnv({ WHARF_PORT: "8080", WHARF_HOST: "0.0.0.0", WHARF_RUNNER_CONCURRENCY: "2" })).toEqual({
      host: "0.0.0.0",
      port: 8080,
      runnerConcurrency: 2,
    });
  });

  it("names the variable that is wrong", () => {
    expect(() => parseLauncherEnv({ WHARF_PORT: "seventy" })).toThrowError(LauncherEnvError);
    expect(() => parseLauncherEnv({ WHARF_PORT: "70000" })).toThrowError(/WHARF_PORT must be between 1 and 65535/);
  });
});

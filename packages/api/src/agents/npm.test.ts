import { describe, expect, it } from "vitest";
import { npmEnv, npmErrorCode, npmInstallArgs } from "./npm";
import { compareVersions } from "./npm-registry";
import { knownAgentPresets } from "./presets";

describe("npm for agent installs", () => {
  it("gives npm no secret of Wharf's and no setting that would install elsewhere", () => {
    const env = npmEnv({
      PATH: "/usr/bin",
      HOME: "/home/dev",
      DATABASE_URL: "postgres://secret@db/x",
      PGPASSWORD: "pg-secret",
      WHARF_HOME: "/home/dev/.local/share/wharf",
      NODE_OPTIONS: "--require /hook.js",
      HTTPS_PROXY: "http://proxy:3128",
      npm_config_registry: "https://mirror.example/",
      npm_config_cache: "/home/dev/.npm",
      npm_config_prefix: "/usr/local",
      NPM_CONFIG_GLOBAL: "true",
    });
    expect(Object.keys(env).sort()).toEqual(["HOME", "HTTPS_PROXY", "NO_COLOR", "PATH", "npm_config_cache", "npm_config_registry", "npm_config_update_notifier"]);
    // This process's Node first: install scripts and bins run with it.
    expect(env.PATH?.split(":")[0]).toBe(process.execPath.replace(/\/node$/, ""));
  });

  it("installs the exact version into the prefix; scripts only where the preset needs them", () => {
    const args = npmInstallArgs({ prefix: "/h/agents", spec: "a@1.0.0", scripts: false, registry: "http://127.0.0.1:1/" });
    expect(args).toEqual(expect.arrayContaining(["install", "--prefix", "/h/agents", "--save-exact", "--ignore-scripts", "--registry=http://127.0.0.1:1/"]));
    expect(args.at(-1)).toBe("a@1.0.0");
    expect(args).not.toContain("-g");
    expect(npmInstallArgs({ prefix: "/h/agents", spec: "a@1.0.0", scripts: true })).not.toContain("--ignore-scripts");
  });

  it("reads npm's error code from its output, old and new style", () => {
    expect(npmErrorCode(["npm http fetch GET 403 http://r/x", "npm error code E403", "npm error 403 Forbidden"])).toBe("E403");
    expect(npmErrorCode(["npm ERR! code ENOTFOUND"])).toBe("ENOTFOUND");
    expect(npmErrorCode(["npm error nospc ENOSPC: no space left on device, write"])).toBe("ENOSPC");
    expect(npmErrorCode(["something else"])).toBeNull();
  });

  it("orders versions as semver does", () => {
    expect(compareVersions("0.101.1", "0.101.0")).toBe(1);
    expect(compareVersions("0.9.0", "0.10.0")).toBe(-1);
    expect(compareVersions("1.0.0-beta.2", "1.0.0")).toBe(-1);
    expect(compareVersions("1.0.0-beta.10", "1.0.0-beta.2")).toBe(1);
    expect(compareVersions("2.0.0", "2.0.0")).toBe(0);
  });

  it("every installable preset launches the command its package installs, at a pinned version", () => {
    const installable = knownAgentPresets.filter((p) => p.npm);
    expect(installable.length).toBeGreaterThanOrEqual(5);
    for (const preset of installable) {
      expect(preset.launch.map((l) => l.command), preset.id).toContain(preset.npm!.bin);
      expect(preset.npm!.version, preset.id).toMatch(/^\d+\.\d+\.\d+$/);
    }
  });
});

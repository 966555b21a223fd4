import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { agentEnv, mergeEnv } from "./agent-env";
import { checkCommand } from "@wharf/common";

const runnerEnv: NodeJS.ProcessEnv = {
  PATH: "/usr/bin:/bin",
  HOME: "/home/dev",
  USER: "dev",
  LANG: "C.UTF-8",
  LC_ALL: "C.UTF-8",
  TERM: "xterm-256color",
  SHELL: "/bin/bash",
  TMPDIR: "/tmp",
  TZ: "UTC",
  XDG_CONFIG_HOME: "/home/dev/.config",
  DATABASE_URL: "postgres://wharf:secret@localhost/wharf",
  PGPASSWORD: "secret",
  PGHOST: "localhost",
  WHARF_TOKEN: "t0ken",
  WHARF_HOME: "/home/dev/.local/share/wharf",
  GIT_DIR: "/elsewhere/.git",
  GIT_WORK_TREE: "/elsewhere",
  GIT_INDEX_FILE: "/elsewhere/index",
  NODE_OPTIONS: "--require /runner/hook.js",
  AWS_SECRET_ACCESS_KEY: "aws",
  npm_config_registry: "https://registry.example",
  UNDEFINED_ONE: undefined,
};

describe("agentEnv", () => {
  it("keeps the allow-list and nothing else from the runner", () => {
    expect(agentEnv(runnerEnv, {})).toEqual({
      // Wharf's agent folder first: agents installed from the Agents page.
      PATH: "/home/dev/.local/share/wharf/agents/node_modules/.bin:/usr/bin:/bin",
      HOME: "/home/dev",
      USER: "dev",
      LANG: "C.UTF-8",
      LC_ALL: "C.UTF-8",
      TERM: "xterm-256color",
      SHELL: "/bin/bash",
      TMPDIR: "/tmp",
      TZ: "UTC",
      XDG_CONFIG_HOME: "/home/dev/.config",
    });
  });

  it("adds the agent's own variables, which win over the runner's", () => {
    const env = agentEnv(runnerEnv, { ANTHROPIC_API_KEY: "sk-1", PATH: "/opt/agent/bin:/usr/bin" });
    expect(env.ANTHROPIC_API_KEY).toBe("sk-1");
    expect(env.PATH).toBe("/home/dev/.local/share/wharf/agents/node_modules/.bin:/opt/agent/bin:/usr/bin");
  });

  it("passes the agent's configured variables as given, except git redirection", () => {
    const env = agentEnv(runnerEnv, {
      GIT_DIR: "/x",
      GIT_WORK_TREE: "/x",
      GIT_INDEX_FILE: "/x",
      GIT_CONFIG_PARAMETERS: "'core.worktree'='/x'",
      GIT_CONFIG_COUNT: "1",
      GIT_CONFIG_KEY_0: "core.worktree",
      GIT_CONFIG_VALUE_0: "/x",
      WHARF_PROCESS_TAG: "forged",
      "BAD=NAME": "x",
      NUL_VALUE: "a\0b",
      GIT_AUTHOR_NAME: "Agent",
      WHARF_SCENARIO: "echo",
      NODE_OPTIONS: "--max-old-space-size=4096",
    });
    for (const name of Object.keys(env)) {
      expect(name).not.toMatch(/^(GIT_DIR|GIT_WORK_TREE|GIT_INDEX_FILE|GIT_CONFIG|WHARF_PROCESS_TAG)/);
    }
    expect(env.NUL_VALUE).toBeUndefined();
    expect(env["BAD=NAME"]).toBeUndefined();
    expect(env.GIT_AUTHOR_NAME).toBe("Agent");
    expect(env.WHARF_SCENARIO).toBe("echo");
    expect(env.NODE_OPTIONS).toBe("--max-old-space-size=4096");
    // The runner's own secrets still do not leak through.
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.PGPASSWORD).toBeUndefined();
    expect(env.WHARF_TOKEN).toBeUndefined();
  });

  it("mergeEnv drops git redirection from variables an agent asks for in a terminal", () => {
    const env = mergeEnv({ PATH: "/bin" }, { FOO: "1", GIT_DIR: "/x", GIT_WORK_TREE: "/x", WHARF_PROCESS_TAG: "x" });
    expect(env).toEqual({ PATH: "/bin", FOO: "1" });
  });

  it("finds an agent installed in Wharf's agent folder before one on the runner's PATH", () => {
    const home = mkdtempSync(path.join(os.tmpdir(), "wharf-agent-env-"));
    try {
      const installed = path.join(home, "agents", "node_modules", ".bin");
      const elsewhere = path.join(home, "elsewhere");
      for (const dir of [installed, elsewhere]) {
        mkdirSync(dir, { recursive: true });
        writeFileSync(path.join(dir, "some-agent-acp"), "#!/bin/sh\n", { mode: 0o755 });
      }
      const env = agentEnv({ PATH: `${elsewhere}:/usr/bin:/bin`, WHARF_HOME: home }, {});
      expect(checkCommand("some-agent-acp", env.PATH, "/")).toEqual({ ok: true, path: path.join(installed, "some-agent-acp") });
      expect(env.WHARF_HOME).toBeUndefined();
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

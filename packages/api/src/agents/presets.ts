import type { Launch } from "./detect";

/** A built-in agent: how it is launched and how it is installed when it is missing. */
export type AgentPreset = {
  id: string;
  name: string;
  transport: "acp";
  /** Ways to launch it, most current first; detection picks the first one installed here. */
  launch: [Launch, ...Launch[]];
  /** Arguments that print the version, when `--version` is not it. */
  versionArgs?: string[];
  /** Told to a person when the agent is not installed. */
  install: string;
  /** The npm package that ships it, when it is one: Wharf can install it into its own agent folder. */
  npm?: NpmSource;
};

/**
 * An agent published on npm. `version` is the one Install installs (pinned, checked against the
 * registry when it was written down); Update goes to the registry's `latest`.
 */
export type NpmSource = {
  package: string;
  version: string;
  /** The command the package installs (one of the preset's launch commands). */
  bin: string;
  /**
   * True when the package needs its own install script (it fetches or links its native binary
   * there). Off otherwise: install scripts run with the rights of Wharf's web server.
   */
  scripts?: true;
};

/**
 * Well-known ACP agents, by the command their own docs and the ACP registry give. None of them is
 * bundled: each is available when its command is installed on the runner's machine, on PATH or in
 * Wharf's own agent folder (the Install button: `npm`, see install.ts).
 */
export const knownAgentPresets: AgentPreset[] = [
  {
    id: "claude-code",
    name: "Claude Code",
    transport: "acp",
    // The Claude ACP adapter; claude-code-acp is its earlier name.
    launch: [
      { command: "claude-agent-acp", args: [] },
      { command: "claude-code-acp", args: [] },
    ],
    install: "npm install -g @agentclientprotocol/claude-agent-acp",
    npm: { package: "@agentclientprotocol/claude-agent-acp", version: "0.101.0", bin: "claude-agent-acp" },
  },
  {
    id: "codex",
    name: "Codex",
    transport: "acp",
    launch: [{ command: "codex-acp", args: [] }],
    install: "npm install -g @agentclientprotocol/codex-acp",
    npm: { package: "@agentclientprotocol/codex-acp", version: "2.6.0", bin: "codex-acp" },
  },
  {
    id: "gemini",
    name: "Gemini CLI",
    transport: "acp",
    launch: [{ command: "gemini", args: ["--experimental-acp"] }],
    install: "npm install -g @google/gemini-cli",
    npm: { package: "@google/gemini-cli", version: "0.61.0", bin: "gemini" },
  },
  {
    id: "qwen-code",
    name: "Qwen Code",
    transport: "acp",
    launch: [{ command: "qwen", args: ["--acp"] }],
    install: "npm install -g @qwen-code/qwen-code",
    npm: { package: "@qwen-code/qwen-code", version: "0.24.4", bin: "qwen" },
  },
  {
    id: "copilot",
    name: "GitHub Copilot CLI",
    transport: "acp",
    launch: [{ command: "copilot", args: ["--acp"] }],
    install: "npm install -g @github/copilot",
    npm: { package: "@github/copilot", version: "1.0.102", bin: "copilot" },
  },
  {
    id: "auggie",
    name: "Auggie (Augment)",
    transport: "acp",
    launch: [{ command: "auggie", args: ["--acp"] }],
    install: "npm install -g @augmentcode/auggie",
    npm: { package: "@augmentcode/auggie", version: "0.36.0", bin: "auggie" },
  },
  {
    id: "opencode",
    name: "opencode",
    transport: "acp",
    launch: [{ command: "opencode", args: ["acp"] }],
    install: "npm install -g opencode-ai, or see https://opencode.ai",
    // Its install script links the native binary of this platform in place of its bin.
    npm: { package: "opencode-ai", version: "1.18.33", bin: "opencode", scripts: true },
  },
  { id: "goose", name: "goose", transport: "acp", launch: [{ command: "goose", args: ["acp"] }], install: "see https://block.github.io/goose/" },
  {
    id: "kilo",
    name: "Kilo",
    transport: "acp",
    launch: [{ command: "kilo", args: ["acp"] }],
    install: "npm install -g @kilocode/cli",
    // Its install script puts the native binary of this platform in place.
    npm: { package: "@kilocode/cli", version: "7.8.1", bin: "kilo", scripts: true },
  },
  { id: "kimi", name: "Kimi CLI", transport: "acp", launch: [{ command: "kimi", args: ["acp"] }], install: "see https://github.com/MoonshotAI/kimi-cli" },
  { id: "cursor", name: "Cursor Agent", transport: "acp", launch: [{ command: "cursor-agent", args: ["acp"] }], install: "see https://cursor.com/docs/cli/acp" },
];

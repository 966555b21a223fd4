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
};

/**
 * Well-known ACP agents, by the command their own docs and the ACP registry give. None of them is
 * bundled: each is available when its command is installed on the runner's machine.
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
  },
  { id: "codex", name: "Codex", transport: "acp", launch: [{ command: "codex-acp", args: [] }], install: "npm install -g @agentclientprotocol/codex-acp" },
  {
    id: "gemini",
    name: "Gemini CLI",
    transport: "acp",
    launch: [{ command: "gemini", args: ["--experimental-acp"] }],
    install: "npm install -g @google/gemini-cli",
  },
  { id: "qwen-code", name: "Qwen Code", transport: "acp", launch: [{ command: "qwen", args: ["--acp"] }], install: "npm install -g @qwen-code/qwen-code" },
  { id: "copilot", name: "GitHub Copilot CLI", transport: "acp", launch: [{ command: "copilot", args: ["--acp"] }], install: "npm install -g @github/copilot" },
  { id: "auggie", name: "Auggie (Augment)", transport: "acp", launch: [{ command: "auggie", args: ["--acp"] }], install: "npm install -g @augmentcode/auggie" },
  { id: "opencode", name: "opencode", transport: "acp", launch: [{ command: "opencode", args: ["acp"] }], install: "see https://opencode.ai" },
  { id: "goose", name: "goose", transport: "acp", launch: [{ command: "goose", args: ["acp"] }], install: "see https://block.github.io/goose/" },
  { id: "kilo", name: "Kilo", transport: "acp", launch: [{ command: "kilo", args: ["acp"] }], install: "npm install -g @kilocode/cli" },
  { id: "kimi", name: "Kimi CLI", transport: "acp", launch: [{ command: "kimi", args: ["acp"] }], install: "see https://github.com/MoonshotAI/kimi-cli" },
  { id: "cursor", name: "Cursor Agent", transport: "acp", launch: [{ command: "cursor-agent", args: ["acp"] }], install: "see https://cursor.com/docs/cli/acp" },
];

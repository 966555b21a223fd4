import { RequestError } from "@agentclientprotocol/sdk";
import type {
  AvailableCommand,
  McpServer,
  SessionConfigOption,
  SessionModeState,
} from "@agentclientprotocol/sdk";
import type { AgentProfile } from "./scenario-schema.ts";
import type { SessionState } from "./turn-context.ts";

/** The agent's modes, models and commands, with defaults filled in. */
export type ResolvedProfile = {
  modes: Array<{ id: string; name: string; description?: string | undefined }>;
  defaultMode: string;
  models: string[];
  commands: AvailableCommand[];
  loadSession: boolean;
  mcp: { http: boolean; sse: boolean };
  initializeDelayMs: number;
};

const defaultModes = [
  { id: "ask", name: "Ask", description: "Answer questions without changing files" },
  { id: "code", name: "Code", description: "Edit files and run commands" },
];
const defaultCommands: AgentProfile["commands"] = [
  { name: "review", description: "Review the current change" },
  { name: "test", description: "Run the tests", hint: "test name filter" },
];

export function resolveProfile(profile: AgentProfile | undefined): ResolvedProfile {
  const modes = profile?.modes ?? defaultModes;
  const defaultMode = profile?.defaultMode ?? modes.find((m) => m.id === "code")?.id ?? modes[0]?.id ?? "code";
  return {
    modes,
    defaultMode,
    models: profile?.models ?? ["test-small", "test-large"],
    commands: (profile?.commands ?? defaultCommands ?? []).map((c) => ({
      name: c.name,
      description: c.description,
      input: c.hint === undefined ? undefined : { hint: c.hint },
    })),
    loadSession: profile?.loadSession ?? true,
    mcp: { http: profile?.mcp?.http ?? false, sse: profile?.mcp?.sse ?? false },
    initializeDelayMs: profile?.initializeDelayMs ?? 0,
  };
}

/** Refuses (invalid params) an http or sse MCP server when the profile does not advertise its transport. */
export function checkMcpServers(profile: ResolvedProfile, servers: McpServer[]): void {
  for (const server of servers) {
    const type = "type" in server ? server.type : "stdio";
    if (type !== "stdio" && !profile.mcp[type]) {
      throw RequestError.invalidParams({ mcpServer: server.name }, `MCP server "${server.name}" uses ${type}, which this agent did not advertise`);
    }
  }
}

export function modeState(profile: ResolvedProfile, session: SessionState): SessionModeState {
  return { currentModeId: session.modeId, availableModes: profile.modes };
}

export function configOptions(profile: ResolvedProfile, session: SessionState): SessionConfigOption[] {
  return [
    {
      id: "model",
      name: "Model",
      category: "model",
      type: "select",
      currentValue: session.model,
      options: profile.models.map((m) => ({ value: m, name: m })),
    },
  ];
}

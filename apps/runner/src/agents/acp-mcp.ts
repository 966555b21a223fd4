import type { McpServer } from "@agentclientprotocol/sdk";
import type { McpServerConfig } from "@wharf/api/schemas";
import type { InitializeAnswer } from "./acp-responses";

/**
 * The MCP servers an agent is given in session/new and session/load, in ACP's shapes: stdio ones
 * always (every agent takes them), http and sse ones only when the agent says so in `initialize`
 * (`agentCapabilities.mcpCapabilities`). The others are `refused`, with why, for the task to show.
 * The result holds secret values: it goes into the request and nowhere else.
 */
export function acpMcpServers(init: InitializeAnswer, servers: McpServerConfig[]): { given: McpServer[]; refused: { name: string; why: string }[] } {
  const caps = init.agentCapabilities?.mcpCapabilities;
  const supports = { http: caps?.http === true, sse: caps?.sse === true };
  const given: McpServer[] = [];
  const refused: { name: string; why: string }[] = [];
  for (const server of servers) {
    if (server.type === "stdio") {
      given.push({ name: server.name, command: server.command, args: server.args, env: pairs(server.env) });
    } else if (supports[server.type]) {
      given.push({ type: server.type, name: server.name, url: server.url, headers: pairs(server.headers) });
    } else {
      const takes = ["stdio", ...(["http", "sse"] as const).filter((t) => supports[t])].join(" and ");
      refused.push({ name: server.name, why: `it is an ${server.type} server, and the agent takes only ${takes} MCP servers` });
    }
  }
  return { given, refused };
}

const pairs = (values: Record<string, string>) => Object.entries(values).map(([name, value]) => ({ name, value }));

import { fileURLToPath } from "node:url";
import type pg from "pg";
import type { McpServerConfig } from "@wharf/api/schemas";
import { issueTaskToken } from "@wharf/api/task-tokens";

/** `wharf mcp`'s entry in Wharf's checkout (the same path from src/ and from the built dist/). */
const cliEntry = fileURLToPath(new URL("../../cli/bin/wharf.mjs", import.meta.url));

/** The name the agent sees Wharf's MCP server under; it wins over a configured server of the same name. */
export const WHARF_MCP_NAME = "wharf";

export type WharfMcpSettings = {
  /** The web's address as this host's agents reach it (WHARF_URL); without it there is no server to give. */
  url: string | undefined;
  /** Agents of this runner run in the OS sandbox, where `sandbox_network: false` means no network at all. */
  sandboxed: boolean;
};

/**
 * Wharf's own MCP server for one session of a task whose project enables it: `node wharf.mjs mcp`,
 * spawned by the agent (inside its sandbox, over loopback TCP to the web) with a token scoped to
 * the task, issued now (an earlier session's token is revoked). The token is in the returned
 * server's env only: it goes into session/new and nowhere else. Or why it cannot be given, for the
 * task to show.
 */
export async function wharfMcpServer(
  pool: pg.Pool,
  settings: WharfMcpSettings,
  task: { id: string; network: boolean },
): Promise<{ server: McpServerConfig } | { problem: string }> {
  if (!settings.url) {
    return { problem: `Wharf's MCP server was not given to the agent: this runner does not know the web's address. Start it with WHARF_URL set (./wharf start sets it).` };
  }
  if (settings.sandboxed && !task.network) {
    return { problem: `Wharf's MCP server was not given to the agent: it reaches Wharf over the network, and this agent's sandbox has no network. Turn on the agent's network (Agents page) to give it.` };
  }
  const token = await issueTaskToken(pool, task.id);
  return {
    server: {
      type: "stdio",
      name: WHARF_MCP_NAME,
      command: process.execPath,
      args: [cliEntry, "mcp"],
      env: { WHARF_URL: settings.url, WHARF_TASK_TOKEN: token },
    },
  };
}

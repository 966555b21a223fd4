import path from "node:path";
import { fileURLToPath } from "node:url";
import type pg from "pg";
import { knownAgentPresets, syncBuiltinAgents, type BuiltinAgent } from "@wharf/api/agents";

/** The SDK 1.9.0 example agent, shipped inside its registry package. */
function exampleAgentPath(): string {
  const entry = fileURLToPath(import.meta.resolve("@agentclientprotocol/sdk-example"));
  return path.join(path.dirname(entry), "examples", "agent.js");
}

const scriptedAgentPath = fileURLToPath(new URL("../../../packages/test-agent/bin/wharf-test-agent.mjs", import.meta.url));

/** Built-in agents: the known ACP agents (see @wharf/api/agents), plus two that ship with Wharf. */
function builtinPresets(): BuiltinAgent[] {
  return [
    ...knownAgentPresets,
    { id: "acp-example", name: "ACP SDK example agent", transport: "acp", launch: [{ command: process.execPath, args: [exampleAgentPath()] }] },
    { id: "scripted", name: "Scripted test agent", transport: "acp", launch: [{ command: process.execPath, args: [scriptedAgentPath] }] },
  ];
}

/** Creates or refreshes the built-in agents with whether (and which version) each is installed here. */
export async function ensureBuiltinAgents(pool: pg.Pool): Promise<void> {
  await syncBuiltinAgents(pool, builtinPresets());
}

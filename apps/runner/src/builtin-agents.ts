import { accessSync, constants } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type pg from "pg";

type Preset = { id: string; name: string; command: string; args: string[] };

/** The SDK 1.9.0 example agent, shipped inside its registry package. */
function exampleAgentPath(): string {
  const entry = fileURLToPath(import.meta.resolve("@agentclientprotocol/sdk-example"));
  return path.join(path.dirname(entry), "examples", "agent.js");
}

const scriptedAgentPath = fileURLToPath(new URL("../../../packages/test-agent/bin/wharf-test-agent.mjs", import.meta.url));

/** Built-in agents: known ACP agents by their usual command, plus two that ship with Wharf. */
export function builtinPresets(): Preset[] {
  return [
    { id: "claude-code", name: "Claude Code", command: "claude-code-acp", args: [] },
    { id: "codex", name: "Codex", command: "codex-acp", args: [] },
    { id: "gemini", name: "Gemini CLI", command: "gemini", args: ["--experimental-acp"] },
    { id: "opencode", name: "opencode", command: "opencode", args: ["acp"] },
    { id: "goose", name: "goose", command: "goose", args: ["acp"] },
    { id: "acp-example", name: "ACP SDK example agent", command: process.execPath, args: [exampleAgentPath()] },
    { id: "scripted", name: "Scripted test agent", command: process.execPath, args: [scriptedAgentPath] },
  ];
}

/** Finds a command the way a shell would: absolute/relative paths as given, bare names on PATH. */
export function findCommand(command: string, searchPath = process.env.PATH ?? ""): string | null {
  const candidates = command.includes("/") ? [command] : searchPath.split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, command));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return null;
}

/** Creates or refreshes the built-in agents and whether their command is installed here. */
export async function ensureBuiltinAgents(pool: pg.Pool): Promise<void> {
  for (const preset of builtinPresets()) {
    const found = findCommand(preset.command) !== null && preset.args.every((a) => !a.startsWith("/") || findFile(a));
    await pool.query(
      `insert into agent (id, name, transport, command, args, builtin, available, detect_error, detected_at, updated_at)
       values ($1, $2, 'acp', $3, $4, true, $5, $6, now(), now())
       on conflict (id) do update set name = excluded.name, command = excluded.command, args = excluded.args, builtin = true,
         available = excluded.available, detect_error = excluded.detect_error, detected_at = now(), updated_at = now()`,
      [preset.id, preset.name, preset.command, preset.args, found, found ? null : `${preset.command} was not found on PATH`],
    );
  }
}

function findFile(file: string): boolean {
  try {
    accessSync(file, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

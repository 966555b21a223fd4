import { readFileSync } from "node:fs";
import { InvalidScenarioError } from "./errors.ts";
import { loadNamedScenario, parseScenario } from "./scenario-source.ts";
import type { Scenario } from "./scenario-schema.ts";

/**
 * The agent's environment, read once at start:
 * - `WHARF_SCENARIO`: a scenario as JSON, or the name of a shipped scenario;
 * - `WHARF_SCENARIO_FILE`: a path to a scenario JSON file.
 * With neither, sessions start with the shipped `echo` scenario.
 */
export function readScenarioFromEnv(env: NodeJS.ProcessEnv = process.env): Scenario {
  const inline = env["WHARF_SCENARIO"];
  const file = env["WHARF_SCENARIO_FILE"];
  if (inline !== undefined && file !== undefined) {
    throw new InvalidScenarioError("the environment", "set WHARF_SCENARIO or WHARF_SCENARIO_FILE, not both");
  }
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      throw new InvalidScenarioError(`WHARF_SCENARIO_FILE (${file})`, error instanceof Error ? error.message : String(error));
    }
    return parseScenario(text, `WHARF_SCENARIO_FILE (${file})`);
  }
  if (inline !== undefined) {
    const trimmed = inline.trim();
    if (!trimmed.startsWith("{")) {
      const named = loadNamedScenario(trimmed);
      if (!named) throw new InvalidScenarioError("WHARF_SCENARIO", `no shipped scenario is named "${trimmed}"`);
      return named;
    }
    return parseScenario(trimmed, "WHARF_SCENARIO");
  }
  const echo = loadNamedScenario("echo");
  if (!echo) throw new InvalidScenarioError("the package", "the shipped echo scenario is missing");
  return echo;
}

import { readdirSync, readFileSync } from "node:fs";
import { InvalidScenarioError } from "./errors.ts";
import { scenarioSchema, type Scenario } from "./scenario-schema.ts";

const scenariosDir = new URL("./scenarios/", import.meta.url);
const scenarioNamePattern = /^[a-z0-9][a-z0-9-]*$/;
// The closing fence starts a line, so a scenario may hold another scenario's prompt (a subtask's)
// as a JSON string, whose fences follow an escaped "\n", not a line break.
const fencedScenario = /```scenario[ \t]*\r?\n([\s\S]*?)\r?\n```/;

/** Parses scenario JSON text; `source` names where it came from in the error. */
export function parseScenario(json: string, source: string): Scenario {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new InvalidScenarioError(source, error instanceof Error ? error.message : String(error));
  }
  const parsed = scenarioSchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`)
      .join("; ");
    throw new InvalidScenarioError(source, issues);
  }
  return parsed.data;
}

/** Names of the scenarios shipped in `src/scenarios/`. */
export function namedScenarioNames(): string[] {
  return readdirSync(scenariosDir)
    .filter((file) => file.endsWith(".json"))
    .map((file) => file.slice(0, -".json".length))
    .sort();
}

/** A shipped scenario by name, or undefined when there is none of that name. */
export function loadNamedScenario(name: string): Scenario | undefined {
  if (!scenarioNamePattern.test(name)) return undefined;
  let text: string;
  try {
    text = readFileSync(new URL(`${name}.json`, scenariosDir), "utf8");
  } catch (error) {
    if (error instanceof Error && "code" in error && error.code === "ENOENT") return undefined;
    throw error;
  }
  return parseScenario(text, `scenario "${name}"`);
}

/**
 * The scenario a prompt asks for: a fenced ```scenario block anywhere in its text, or a text that
 * is just the name of a shipped scenario. Undefined when the prompt asks for none.
 */
export function scenarioFromPrompt(promptText: string): Scenario | undefined {
  const fenced = fencedScenario.exec(promptText);
  if (fenced?.[1] !== undefined) return parseScenario(fenced[1], "the prompt's scenario block");
  const name = promptText.trim();
  return name.length <= 64 ? loadNamedScenario(name) : undefined;
}

/** Wraps a scenario in a prompt text the agent will pick it up from. */
export function scenarioPrompt(scenario: unknown, preface = "Follow this scenario."): string {
  return `${preface}\n\n\`\`\`scenario\n${JSON.stringify(scenario, null, 2)}\n\`\`\`\n`;
}

import type { RouterInputs, RouterOutputs } from "~/trpc/types";
import { nativeVars } from "@wharf/api/schemas";

/**
 * The add/edit agent form as plain data: what a person typed, turned into `agent.upsert` input,
 * and the API's validation issues turned back into messages per field.
 */

export type Transport = UpsertInput["transport"];
type EnvRow = { key: number; name: string; value: string };
/** A secret variable: stored ones are known by name only; their value is never in the page. */
export type SecretRow = { key: number; name: string; value: string; stored: boolean; action: "keep" | "replace" | "remove" };

/** A native agent's API key: like a secret row, with a fixed name. */
export type ApiKeyState = { value: string; stored: boolean; action: "keep" | "replace" | "remove" };

export type AgentFormState = {
  id: string;
  name: string;
  transport: Transport;
  command: string;
  argsText: string;
  env: EnvRow[];
  secrets: SecretRow[];
  /** A native agent's settings, kept apart from the other variables (see `nativeVars` in `@wharf/api/schemas`). */
  baseUrl: string;
  model: string;
  apiKey: ApiKeyState;
  /** In the OS sandbox: network access for the agent and what it starts; off is loopback only. */
  sandboxNetwork: boolean;
  /** Fleet-wide cap on its running tasks, as typed; empty: no cap. */
  maxRunningText: string;
};

/** The variables a native agent is set up with (README "A native agent on a local model"). */
const nativeFieldNames: ReadonlySet<string> = new Set(Object.values(nativeVars));

/** What the form needs of a stored agent, as `agent.get` returns it. */
export type AgentLike = Pick<RouterOutputs["agent"]["get"], "id" | "name" | "transport" | "command" | "args" | "env" | "secretEnvKeys" | "sandboxNetwork" | "maxRunning">;

let nextKey = 1;
export const rowKey = () => nextKey++;

export function emptyForm(): AgentFormState {
  return { id: "", name: "", transport: "acp", command: "", argsText: "", env: [], secrets: [], baseUrl: "", model: "", apiKey: { value: "", stored: false, action: "keep" }, sandboxNetwork: true, maxRunningText: "" };
}

export function formFromAgent(agent: AgentLike): AgentFormState {
  const native = agent.transport === "native";
  return {
    id: agent.id,
    name: agent.name,
    transport: agent.transport,
    // A native agent's command is Wharf's own agent, not something to edit.
    command: native ? "" : agent.command,
    argsText: native ? "" : agent.args.join("\n"),
    env: Object.entries(agent.env)
      .filter(([name]) => !nativeFieldNames.has(name))
      .map(([name, value]) => ({ key: rowKey(), name, value })),
    secrets: agent.secretEnvKeys.filter((name) => name !== nativeVars.apiKey).map((name) => ({ key: rowKey(), name, value: "", stored: true, action: "keep" as const })),
    baseUrl: agent.env[nativeVars.baseUrl] ?? "",
    model: agent.env[nativeVars.model] ?? "",
    apiKey: { value: "", stored: agent.secretEnvKeys.includes(nativeVars.apiKey), action: "keep" },
    sandboxNetwork: agent.sandboxNetwork,
    maxRunningText: agent.maxRunning === null ? "" : String(agent.maxRunning),
  };
}

/** "a, b,,c " → "a,b,c": the models as WHARF_NATIVE_MODEL holds them, the first the default. */
function normalizeModels(text: string): string {
  return text
    .split(",")
    .map((m) => m.trim())
    .filter((m) => m !== "")
    .join(",");
}

/** "My Agent 2" → "my-agent-2": the id suggested while a new agent's name is typed. */
export function slugify(name: string): string {
  return name
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63);
}

/** One argument per line; blank lines are dropped, the rest kept as typed (without the line break). */
export function parseArgs(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/\s+$/, ""))
    .filter((line) => line.trim() !== "");
}

export type UpsertInput = RouterInputs["agent"]["upsert"];

/**
 * The `agent.upsert` input for the form. Stored secrets are only sent when replaced or removed.
 * A native agent sends its settings as variables and no command; an agent that stops being native
 * drops its settings and clears its stored API key.
 */
export function toUpsertInput(state: AgentFormState, mode: "add" | "edit", transport?: Transport): UpsertInput {
  const native = (transport ?? state.transport) === "native";
  const env: Record<string, string> = {};
  for (const row of state.env) if (row.name.trim()) env[row.name.trim()] = row.value;
  const secretEnv: Record<string, string | null> = {};
  for (const row of state.secrets) {
    const name = row.name.trim();
    if (!name) continue;
    if (row.stored && row.action === "remove") secretEnv[name] = null;
    else if ((!row.stored || row.action === "replace") && row.value !== "") secretEnv[name] = row.value;
  }
  const key = state.apiKey;
  if (native) {
    if (state.baseUrl.trim()) env[nativeVars.baseUrl] = state.baseUrl.trim();
    if (normalizeModels(state.model)) env[nativeVars.model] = normalizeModels(state.model);
    if (key.stored && key.action === "remove") secretEnv[nativeVars.apiKey] = null;
    else if ((!key.stored || key.action === "replace") && key.value !== "") secretEnv[nativeVars.apiKey] = key.value;
  } else if (key.stored) {
    secretEnv[nativeVars.apiKey] = null;
  }
  return {
    id: state.id.trim(),
    name: state.name.trim(),
    transport: transport ?? state.transport,
    command: native ? "" : state.command.trim(),
    args: native ? [] : parseArgs(state.argsText),
    env,
    secretEnv,
    sandboxNetwork: state.sandboxNetwork,
    // Empty clears the cap; anything else goes as a number for the API to check (it says what is wrong).
    maxRunning: state.maxRunningText.trim() === "" ? null : Number(state.maxRunningText.trim()),
    expect: mode === "add" ? "new" : "existing",
  };
}

/** Problems the page can see before asking the API: repeated names. */
export function localIssues(state: AgentFormState): Record<string, string> {
  const out: Record<string, string> = {};
  const seen = new Set<string>();
  for (const row of [...state.env, ...state.secrets]) {
    const name = row.name.trim();
    if (!name) continue;
    const field = state.env.includes(row) ? `env.${name}` : `secretEnv.${name}`;
    if (seen.has(name)) out[field] = `${name} is set twice; keep one.`;
    seen.add(name);
  }
  for (const row of state.secrets) {
    const name = row.name.trim();
    if (name && row.value === "" && (!row.stored || row.action === "replace")) out[`secretEnv.${name}`] ??= `Type the value of ${name}, or remove the row.`;
  }
  if (state.transport === "native") {
    for (const row of [...state.env, ...state.secrets]) {
      const name = row.name.trim();
      if (!nativeFieldNames.has(name)) continue;
      const field = state.env.includes(row) ? `env.${name}` : `secretEnv.${name}`;
      out[field] ??= `${name} has its own field above; remove this row.`;
    }
    if (state.apiKey.stored && state.apiKey.action === "replace" && state.apiKey.value === "") {
      out[`secretEnv.${nativeVars.apiKey}`] = "Type the new API key, or keep the stored one.";
    }
  }
  return out;
}

type Issue = { path: readonly PropertyKey[]; message: string };

/** The API's zod issues by field: "command", "env.API_KEY", … (the first message per field). */
export function issuesByField(error: unknown): Record<string, string> {
  const data = error && typeof error === "object" && "data" in error ? (error.data as { zodIssues?: Issue[] } | null) : null;
  const out: Record<string, string> = {};
  for (const issue of data?.zodIssues ?? []) {
    const [first, second] = issue.path.map(String);
    const field = first === "env" || first === "secretEnv" ? [first, second].filter(Boolean).join(".") : (first ?? "form");
    out[field] ??= issue.message;
  }
  return out;
}

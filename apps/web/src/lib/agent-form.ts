/**
 * The add/edit agent form as plain data: what a person typed, turned into `agent.upsert` input,
 * and the API's validation issues turned back into messages per field.
 */

/** The form offers acp and pty; an agent set up as native (through the API) keeps its transport. */
export type Transport = "acp" | "pty" | "native";
export type EnvRow = { key: number; name: string; value: string };
/** A secret variable: stored ones are known by name only; their value is never in the page. */
export type SecretRow = { key: number; name: string; value: string; stored: boolean; action: "keep" | "replace" | "remove" };

export type AgentFormState = {
  id: string;
  name: string;
  transport: Transport;
  command: string;
  argsText: string;
  env: EnvRow[];
  secrets: SecretRow[];
};

export type AgentLike = {
  id: string;
  name: string;
  transport: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  secretEnvKeys: string[];
};

let nextKey = 1;
export const rowKey = () => nextKey++;

export function emptyForm(): AgentFormState {
  return { id: "", name: "", transport: "acp", command: "", argsText: "", env: [], secrets: [] };
}

export function formFromAgent(agent: AgentLike): AgentFormState {
  return {
    id: agent.id,
    name: agent.name,
    transport: agent.transport === "pty" || agent.transport === "native" ? agent.transport : "acp",
    command: agent.command,
    argsText: agent.args.join("\n"),
    env: Object.entries(agent.env).map(([name, value]) => ({ key: rowKey(), name, value })),
    secrets: agent.secretEnvKeys.map((name) => ({ key: rowKey(), name, value: "", stored: true, action: "keep" as const })),
  };
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

export type UpsertInput = {
  id: string;
  name: string;
  transport: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  secretEnv: Record<string, string | null>;
  expect: "new" | "existing";
};

/** The `agent.upsert` input for the form. Stored secrets are only sent when replaced or removed. */
export function toUpsertInput(state: AgentFormState, mode: "add" | "edit", transport?: string): UpsertInput {
  const env: Record<string, string> = {};
  for (const row of state.env) if (row.name.trim()) env[row.name.trim()] = row.value;
  const secretEnv: Record<string, string | null> = {};
  for (const row of state.secrets) {
    const name = row.name.trim();
    if (!name) continue;
    if (row.stored && row.action === "remove") secretEnv[name] = null;
    else if ((!row.stored || row.action === "replace") && row.value !== "") secretEnv[name] = row.value;
  }
  return {
    id: state.id.trim(),
    name: state.name.trim(),
    transport: transport ?? state.transport,
    command: state.command.trim(),
    args: parseArgs(state.argsText),
    env,
    secretEnv,
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
    const field = state.env.includes(row as EnvRow) ? `env.${name}` : `secretEnv.${name}`;
    if (seen.has(name)) out[field] = `${name} is set twice; keep one.`;
    seen.add(name);
  }
  for (const row of state.secrets) {
    const name = row.name.trim();
    if (name && row.value === "" && (!row.stored || row.action === "replace")) out[`secretEnv.${name}`] ??= `Type the value of ${name}, or remove the row.`;
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

import type { McpServerView } from "@wharf/api/schemas";

/**
 * MCP servers as the forms edit them. A secret (an env or header value) that is stored is shown by
 * name only: left untouched it is sent as null (the API keeps it), a new value replaces it.
 */
export type McpSecretRow = { key: number; name: string; value: string; stored: boolean };
export type McpServerRow = {
  key: number;
  type: "stdio" | "http" | "sse";
  name: string;
  command: string;
  /** One argument per line. */
  argsText: string;
  url: string;
  secrets: McpSecretRow[];
};

let nextKey = 1;
export const mcpRowKey = () => nextKey++;

export function mcpRowsFromViews(views: McpServerView[]): McpServerRow[] {
  return views.map((view) => {
    const names = view.type === "stdio" ? view.envKeys : view.headerNames;
    return {
      key: mcpRowKey(),
      type: view.type,
      name: view.name,
      command: view.type === "stdio" ? view.command : "",
      argsText: view.type === "stdio" ? view.args.join("\n") : "",
      url: view.type === "stdio" ? "" : view.url,
      secrets: names.map((name) => ({ key: mcpRowKey(), name, value: "", stored: true })),
    };
  });
}

export const emptyMcpRow = (): McpServerRow => ({ key: mcpRowKey(), type: "stdio", name: "", command: "", argsText: "", url: "", secrets: [] });

/** What `mcpServers` of project.update and agent.upsert take; checked by the API. */
export function mcpInputFromRows(rows: McpServerRow[]) {
  return rows.map((row) => {
    const secrets = Object.fromEntries(
      row.secrets.filter((s) => s.name.trim() !== "").map((s) => [s.name.trim(), s.stored && s.value === "" ? null : s.value]),
    ) as Record<string, string | null>;
    if (row.type === "stdio") {
      const args = row.argsText.split("\n").filter((line) => line.trim() !== "");
      return { type: "stdio" as const, name: row.name.trim(), command: row.command.trim(), args, env: secrets };
    }
    return { type: row.type, name: row.name.trim(), url: row.url.trim(), headers: secrets };
  });
}

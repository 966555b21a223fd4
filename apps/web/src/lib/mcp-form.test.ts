import { mcpServersInputSchema } from "@wharf/api/schemas";
import { describe, expect, it } from "vitest";
import { mcpInputFromRows, mcpRowsFromViews } from "./mcp-form";

describe("MCP server rows", () => {
  const views = [
    { type: "stdio" as const, name: "github", command: "/bin/gh-mcp", args: ["stdio", "--read-only"], envKeys: ["GITHUB_TOKEN"] },
    { type: "http" as const, name: "search", url: "https://mcp.example.com/mcp", headerNames: ["Authorization"] },
  ];

  it("sends a stored secret left untouched as null (kept), a typed one as its value, and drops unnamed rows", () => {
    const rows = mcpRowsFromViews(views);
    expect(mcpInputFromRows(rows)).toEqual([
      { type: "stdio", name: "github", command: "/bin/gh-mcp", args: ["stdio", "--read-only"], env: { GITHUB_TOKEN: null } },
      { type: "http", name: "search", url: "https://mcp.example.com/mcp", headers: { Authorization: null } },
    ]);
    const [stdio, http] = rows;
    stdio!.secrets.push({ key: -1, name: " EXTRA ", value: "x", stored: false }, { key: -2, name: "", value: "ignored", stored: false });
    http!.secrets[0]!.value = "Bearer new";
    const input = mcpInputFromRows(rows);
    expect(input[0]).toMatchObject({ env: { GITHUB_TOKEN: null, EXTRA: "x" } });
    expect(input[1]).toMatchObject({ headers: { Authorization: "Bearer new" } });
    expect(mcpServersInputSchema.safeParse(input).success).toBe(true);
  });
});

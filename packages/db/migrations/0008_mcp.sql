-- MCP servers given to agents' sessions (ACP session/new mcpServers), per project and per agent:
-- [{type: "stdio", name, command, args, env} | {type: "http"|"sse", name, url, headers}].
-- env and header values are secrets: the API returns their names only.
ALTER TABLE "project" ADD COLUMN "mcp_servers" JSONB NOT NULL DEFAULT '[]';
ALTER TABLE "agent" ADD COLUMN "mcp_servers" JSONB NOT NULL DEFAULT '[]';

"use client";

import type { McpSecretRow, McpServerRow } from "~/lib/mcp-form";
import { emptyMcpRow, mcpRowKey } from "~/lib/mcp-form";
import { Button, inputClass, selectClass } from "./ui";

/** The first message of each server, from field errors keyed like "mcpServers.0.url". */
function serverErrors(errors: Record<string, string>, prefix: string, index: number): string[] {
  return Object.entries(errors)
    .filter(([field]) => field === `${prefix}.${index}` || field.startsWith(`${prefix}.${index}.`))
    .map(([field, message]) => `${field.slice(`${prefix}.${index}.`.length) || "server"}: ${message}`);
}

/**
 * A list of MCP servers (stdio: command, arguments, environment; http or sse: url, headers). The
 * environment and header values are secrets: a stored one shows as "set" and is kept unless a new
 * value is typed. `errors`: field → message, as the API names the fields under `prefix`.
 */
export function McpServersEditor({
  rows,
  onChange,
  errors,
  prefix = "mcpServers",
}: {
  rows: McpServerRow[];
  onChange(rows: McpServerRow[]): void;
  errors: Record<string, string>;
  prefix?: string;
}) {
  const setRow = (key: number, patch: Partial<McpServerRow>) => onChange(rows.map((r) => (r.key === key ? { ...r, ...patch } : r)));
  const setSecret = (row: McpServerRow, key: number, patch: Partial<McpSecretRow>) =>
    setRow(row.key, { secrets: row.secrets.map((s) => (s.key === key ? { ...s, ...patch } : s)) });
  const listError = errors[prefix];

  return (
    <div className="grid gap-3" data-testid="mcp-servers">
      {rows.map((row, i) => {
        const stdio = row.type === "stdio";
        const label = row.name.trim() || `server ${i + 1}`;
        return (
          <div key={row.key} data-testid="mcp-row" className="grid gap-2 rounded-lg border border-line p-3">
            <div className="grid gap-2 sm:grid-cols-[7rem_10rem_1fr_auto] sm:items-start">
              <select aria-label={`Type of MCP ${label}`} className={selectClass} value={row.type} onChange={(e) => setRow(row.key, { type: e.target.value as McpServerRow["type"] })}>
                <option value="stdio">stdio</option>
                <option value="http">http</option>
                <option value="sse">sse</option>
              </select>
              <input aria-label={`Name of MCP ${label}`} className={`${inputClass} font-mono`} value={row.name} onChange={(e) => setRow(row.key, { name: e.target.value })} placeholder="github" />
              {stdio ? (
                <input aria-label={`Command of MCP ${label}`} className={`${inputClass} font-mono`} value={row.command} onChange={(e) => setRow(row.key, { command: e.target.value })} placeholder="/usr/local/bin/github-mcp-server" />
              ) : (
                <input aria-label={`URL of MCP ${label}`} className={`${inputClass} font-mono`} value={row.url} onChange={(e) => setRow(row.key, { url: e.target.value })} placeholder="https://mcp.example.com/mcp" />
              )}
              <Button tone="ghost" aria-label={`Remove MCP ${label}`} onClick={() => onChange(rows.filter((r) => r.key !== row.key))}>
                Remove
              </Button>
            </div>
            {stdio && (
              <textarea
                aria-label={`Arguments of MCP ${label}`}
                rows={2}
                className={`${inputClass} font-mono text-xs`}
                value={row.argsText}
                onChange={(e) => setRow(row.key, { argsText: e.target.value })}
                placeholder={"arguments, one per line\nstdio"}
                spellCheck={false}
              />
            )}
            <div className="grid gap-1.5">
              <span className="text-xs text-muted">
                {stdio ? "Environment" : "Headers"} <span className="opacity-80">— write-only: stored for the agent, never shown again</span>
              </span>
              {row.secrets.map((secret) => (
                <div key={secret.key} data-testid="mcp-secret" className="grid grid-cols-[minmax(0,2fr)_minmax(0,3fr)_auto] items-center gap-2">
                  {secret.stored ? (
                    <span className="truncate px-1 font-mono text-sm">{secret.name}</span>
                  ) : (
                    <input
                      aria-label={`${stdio ? "Variable" : "Header"} name of MCP ${label}`}
                      className={`${inputClass} font-mono`}
                      value={secret.name}
                      onChange={(e) => setSecret(row, secret.key, { name: e.target.value })}
                      placeholder={stdio ? "GITHUB_TOKEN" : "Authorization"}
                    />
                  )}
                  <input
                    type="password"
                    autoComplete="new-password"
                    aria-label={`Value of ${secret.name || "secret"} of MCP ${label}`}
                    className={`${inputClass} font-mono`}
                    value={secret.value}
                    onChange={(e) => setSecret(row, secret.key, { value: e.target.value })}
                    placeholder={secret.stored ? "set — type to replace" : "value"}
                  />
                  <Button tone="ghost" aria-label={`Remove ${secret.name || "secret"} of MCP ${label}`} onClick={() => setRow(row.key, { secrets: row.secrets.filter((s) => s.key !== secret.key) })}>
                    ✕
                  </Button>
                </div>
              ))}
              <Button
                className="w-fit"
                aria-label={`Add ${stdio ? "variable" : "header"} to MCP ${label}`}
                onClick={() => setRow(row.key, { secrets: [...row.secrets, { key: mcpRowKey(), name: "", value: "", stored: false }] })}
              >
                {stdio ? "+ Add variable" : "+ Add header"}
              </Button>
            </div>
            {serverErrors(errors, prefix, i).map((message) => (
              <span key={message} role="alert" data-testid="error-mcp" className="text-xs text-rose-600 dark:text-rose-400">
                {message}
              </span>
            ))}
          </div>
        );
      })}
      {listError && (
        <span role="alert" data-testid="error-mcp" className="text-xs text-rose-600 dark:text-rose-400">
          {listError}
        </span>
      )}
      <div>
        <Button onClick={() => onChange([...rows, emptyMcpRow()])}>Add MCP server</Button>
      </div>
    </div>
  );
}

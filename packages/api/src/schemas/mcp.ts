import { z } from "zod";

/**
 * MCP servers a project or an agent gives its agents' sessions (ACP `session/new` `mcpServers`).
 * Stored with their secret values (stdio `env`, http/sse `headers`); the API returns the names of
 * those only (see `mcpServerView`). The input replaces the whole list: a secret value given sets
 * it, null keeps the one stored for the same server and name, and one not listed is removed.
 */

export const mcpServerLimit = 20;
const valueMax = 10_000;

const mcpName = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, "An MCP server's name is letters, digits, '.', '_' and '-' (up to 64), starting with a letter or digit, e.g. github.");
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,199}$/, "Environment variable names are letters, digits and _, not starting with a digit.");
/** RFC 9110 token characters. */
const headerName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,200}$/, "A header name is letters, digits and -, e.g. Authorization.");
const headerValue = z
  .string()
  .max(valueMax)
  .refine((v) => !/[\r\n\0]/.test(v), "A header value cannot hold a line break or NUL.");
const mcpUrl = z.url({ protocol: /^https?$/, error: "An http(s) URL, e.g. https://mcp.example.com/mcp." }).max(2000);
const command = z.string().trim().min(1, "Give the command that starts the MCP server.").max(4096);
const args = z.array(z.string().max(valueMax)).max(100, "At most 100 arguments.");

const limited = <T extends z.ZodType>(schema: T, what: string) =>
  z.record(z.string(), schema).refine((m) => Object.keys(m).length <= 100, `At most 100 ${what}.`);

/** As stored (values included); read by the runner only. */
export const mcpServerStoredSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("stdio"), name: z.string(), command: z.string(), args: z.array(z.string()), env: z.record(z.string(), z.string()) }),
  z.object({ type: z.enum(["http", "sse"]), name: z.string(), url: z.string(), headers: z.record(z.string(), z.string()) }),
]);
export type McpServerConfig = z.infer<typeof mcpServerStoredSchema>;
export const mcpServersStoredSchema = z.array(mcpServerStoredSchema);

/** Secret values in the input: a string sets it, null keeps the stored one. */
const stdioInput = z.object({
  type: z.literal("stdio"),
  name: mcpName,
  command,
  args: args.default([]),
  env: limited(z.string().max(valueMax).nullable(), "variables")
    .superRefine((m, ctx) => {
      for (const name of Object.keys(m)) {
        const ok = envName.safeParse(name);
        if (!ok.success) ctx.addIssue({ code: "custom", path: [name], message: ok.error.issues[0]?.message ?? "Bad name." });
      }
    })
    .default({}),
});
const remoteInput = z.object({
  type: z.enum(["http", "sse"]),
  name: mcpName,
  url: mcpUrl,
  headers: limited(headerValue.nullable(), "headers")
    .superRefine((m, ctx) => {
      const seen = new Set<string>();
      for (const name of Object.keys(m)) {
        const ok = headerName.safeParse(name);
        if (!ok.success) ctx.addIssue({ code: "custom", path: [name], message: ok.error.issues[0]?.message ?? "Bad name." });
        if (seen.has(name.toLowerCase())) ctx.addIssue({ code: "custom", path: [name], message: `The header ${name} is given twice (header names ignore case); keep one.` });
        seen.add(name.toLowerCase());
      }
    })
    .default({}),
});

export const mcpServersInputSchema = z
  .array(z.discriminatedUnion("type", [stdioInput, remoteInput], { error: 'An MCP server\'s type is "stdio", "http" or "sse".' }))
  .max(mcpServerLimit, `At most ${mcpServerLimit} MCP servers.`)
  .superRefine((servers, ctx) => {
    const seen = new Set<string>();
    servers.forEach((server, i) => {
      if (seen.has(server.name)) ctx.addIssue({ code: "custom", path: [i, "name"], message: `Two MCP servers are named "${server.name}"; names must be unique.` });
      seen.add(server.name);
    });
  });
export type McpServersInput = z.output<typeof mcpServersInputSchema>;

/** What the API says about a server: secret values by name only. */
export type McpServerView =
  | { type: "stdio"; name: string; command: string; args: string[]; envKeys: string[] }
  | { type: "http" | "sse"; name: string; url: string; headerNames: string[] };

export function mcpServerViews(stored: unknown): McpServerView[] {
  const parsed = mcpServersStoredSchema.catch([]).parse(stored);
  return parsed.map((s) =>
    s.type === "stdio"
      ? { type: s.type, name: s.name, command: s.command, args: s.args, envKeys: Object.keys(s.env).sort() }
      : { type: s.type, name: s.name, url: s.url, headerNames: Object.keys(s.headers).sort() },
  );
}

export class McpSecretMissingError extends Error {}

/**
 * The list to store: the input, with each null value replaced by the one stored for the same
 * server: same name, transport and command (stdio) or url (http, sse), so that a stored secret never
 * goes to a program or address other than the one it was given for. Throws McpSecretMissingError,
 * naming the field, when there is none.
 */
export function resolveMcpServers(input: McpServersInput, stored: unknown, field = "mcpServers"): McpServerConfig[] {
  const before = new Map(mcpServersStoredSchema.catch([]).parse(stored).map((s) => [s.name, s]));
  const keep = (values: Record<string, string | null>, old: Record<string, string> | undefined, path: string, same: string): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(values)) {
      if (value !== null) out[key] = value;
      else if (old && key in old) out[key] = old[key]!;
      else throw new McpSecretMissingError(`${field}.${path}.${key}: no value is stored for ${key}; give one (null keeps a stored value only while the server's ${same} stay the same).`);
    }
    return out;
  };
  return input.map((server, i) => {
    const old = before.get(server.name);
    if (server.type === "stdio") {
      const same = old?.type === "stdio" && old.command === server.command;
      return { ...server, env: keep(server.env, same ? old.env : undefined, `${i}.env`, "type and command") };
    }
    const same = old !== undefined && old.type === server.type && old.url === server.url;
    return { ...server, headers: keep(server.headers, same ? old.headers : undefined, `${i}.headers`, "type and url") };
  });
}

/** Project servers, then the agent's: the agent's replaces a project's of the same name. */
export function mergeMcpServers(project: McpServerConfig[], agent: McpServerConfig[]): McpServerConfig[] {
  const names = new Set(agent.map((s) => s.name));
  return [...project.filter((s) => !names.has(s.name)), ...agent];
}

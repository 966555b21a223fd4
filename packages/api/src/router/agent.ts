import { TRPCError } from "@trpc/server";
import { agentCapabilitiesSchema, type AgentCapabilities } from "../schemas/capabilities";
import { nativeAgentCommand, nativeVars } from "../schemas/native-agent";
import { z } from "zod";
import type { Queryable } from "@wharf/db/pg";
import { redetectAgents } from "../agents/sync";
import { McpSecretMissingError, mcpServersInputSchema, mcpServerViews, resolveMcpServers } from "../schemas/mcp";
import { deleteUnusedAgent, findAgent, findAgentSettings, listAgents, upsertAgent, type AgentRow } from "../queries/agent";
import { maxRunningInput } from "../schemas/jobs";
import { protectedProcedure } from "../trpc";
import { agentInstall } from "./agent-install";

const stringMap = z.record(z.string(), z.string()).catch({});

/** What the API says about an agent. Secret variables appear by name only. */
function toAgentView(row: AgentRow) {
  return {
    id: row.id,
    name: row.name,
    transport: row.transport,
    command: row.command,
    args: row.args,
    env: stringMap.parse(row.env),
    secretEnvKeys: Object.keys(stringMap.parse(row.secretEnv)).sort(),
    builtin: row.builtin,
    available: row.available,
    version: row.version,
    detectError: row.detectError,
    detectedAt: row.detectedAt,
    /** What the agent last reported, read with the schema the runner writes with; null when unreadable. */
    capabilities: readCapabilities(row.capabilities),
    /** In the OS sandbox: false leaves the agent loopback only. */
    sandboxNetwork: row.sandboxNetwork,
    /** MCP servers for its sessions; env and header values by name only. */
    mcpServers: mcpServerViews(row.mcpServers),
    maxRunning: row.maxRunning,
    /** Tasks that use this agent; an agent with tasks cannot be deleted. */
    taskCount: row.taskCount,
  };
}

function checkNativeAgent(input: { env: Record<string, string> }, ctx: z.RefinementCtx): void {
  const baseUrl = input.env[nativeVars.baseUrl]?.trim() ?? "";
  let url: URL | undefined;
  try {
    url = new URL(baseUrl);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
    ctx.addIssue({
      code: "custom",
      path: ["env", nativeVars.baseUrl],
      message: `A native agent needs ${nativeVars.baseUrl} in its environment: the http(s) base URL of an OpenAI-compatible API, e.g. http://127.0.0.1:11434/v1 for ollama or http://127.0.0.1:8080/v1 for llama.cpp's server.`,
    });
  } else if (url.username || url.password) {
    ctx.addIssue({
      code: "custom",
      path: ["env", nativeVars.baseUrl],
      message: `${nativeVars.baseUrl} must not carry credentials (it is shown to everyone); put the API key in the secret variable ${nativeVars.apiKey}.`,
    });
  }
  if (!(input.env[nativeVars.model] ?? "").split(",").some((m) => m.trim() !== "")) {
    ctx.addIssue({
      code: "custom",
      path: ["env", nativeVars.model],
      message: `A native agent needs ${nativeVars.model} in its environment: the name of the model the endpoint serves (e.g. qwen2.5-coder:7b), or several separated by commas.`,
    });
  }
  if (nativeVars.apiKey in input.env) {
    ctx.addIssue({
      code: "custom",
      path: ["env", nativeVars.apiKey],
      message: `${nativeVars.apiKey} is a secret: move it from the environment (shown to everyone) to the secret variables.`,
    });
  }
}

const envName = z
  .string()
  .max(200)
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "Environment variable names are letters, digits and _, not starting with a digit.")
  ;
/** WHARF_* names are Wharf's own; a native agent's settings (WHARF_NATIVE_*) are the only ones an agent may carry. */
const reservedName = (name: string, transport: string) =>
  name.toUpperCase().startsWith("WHARF_") && !(transport === "native" && name.startsWith("WHARF_NATIVE_"));
const envMap = z.record(envName, z.string().max(10_000)).refine((m) => Object.keys(m).length <= 100, "At most 100 variables.");
const agentId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "Agent ids are lower-case letters, digits and dashes (up to 63), starting with a letter or digit.");

const agentUpsertInput = z
  .object({
    id: agentId,
    name: z.string().trim().min(1, "Give the agent a name.").max(200),
    transport: z.enum(["acp", "pty", "native"]),
    /** Required for acp and pty; a native agent runs the built-in agent and ignores it. */
    command: z.string().trim().max(4096).default(""),
    args: z.array(z.string().max(10_000)).max(100).default([]),
    env: envMap.default({}),
    /** In the OS sandbox: false leaves the agent and what it starts loopback only (local models). Default: on. */
    sandboxNetwork: z.boolean().optional(),
    /** At most this many of the agent's tasks run at once across every runner. Enforced in the database. */
    maxRunning: maxRunningInput,
    /**
     * Write-only secret variables, as a change: a value sets or replaces that variable, null
     * removes it, and variables not named stay as they are. Values are never returned.
     */
    secretEnv: z
      .record(envName, z.string().min(1, "A secret value cannot be empty; send null to remove it.").max(10_000).nullable())
      .refine((m) => Object.keys(m).length <= 100, "At most 100 variables.")
      .optional(),
    /**
     * MCP servers for its sessions (they win over a project's of the same name), replacing the
     * list: an env or header value sets it, null keeps the stored one; absent: unchanged.
     */
    mcpServers: mcpServersInputSchema.optional(),
    /** "new": refuse when the id is taken; "existing": refuse when it is not. Default: either. */
    expect: z.enum(["new", "existing"]).optional(),
  })
  .superRefine((input, ctx) => {
    for (const [field, names] of [["env", Object.keys(input.env)], ["secretEnv", Object.keys(input.secretEnv ?? {})]] as const) {
      for (const name of names) {
        // Removing one is always allowed: an agent that stops being native drops its API key.
        const removal = field === "secretEnv" && input.secretEnv?.[name] === null;
        if (reservedName(name, input.transport) && !removal) ctx.addIssue({ code: "custom", path: [field, name], message: "Names starting with WHARF_ are reserved for Wharf." });
      }
    }
    if (input.transport === "native") checkNativeAgent(input, ctx);
    else if (input.command === "") ctx.addIssue({ code: "custom", path: ["command"], message: "Give the command that starts the agent." });
    for (const [name, value] of Object.entries(input.secretEnv ?? {})) {
      if (value !== null && name in input.env) {
        ctx.addIssue({ code: "custom", path: ["secretEnv", name], message: `${name} is both a plain and a secret variable; keep one.` });
      }
    }
  });

/** A person acts on an agent's stored secrets only through names; never log `input.secretEnv`. */
async function loadAgent(ctx: { services: { pool: Queryable } }, id: string) {
  const row = await findAgent(ctx.services.pool, id);
  if (!row) throw new TRPCError({ code: "NOT_FOUND", message: `Agent "${id}" does not exist. See agent.list for the agents there are.` });
  return row;
}

export const agentRouter = {
  /** installable, install, update, installs: agents installed from npm, see agent-install.ts. */
  ...agentInstall,

  list: protectedProcedure.query(async ({ ctx }) => {
    const rows = await listAgents(ctx.services.pool);
    return rows.map(toAgentView);
  }),

  get: protectedProcedure.input(z.object({ id: z.string().min(1).max(100) })).query(async ({ ctx, input }) => toAgentView(await loadAgent(ctx, input.id))),

  upsert: protectedProcedure.input(agentUpsertInput).mutation(async ({ ctx, input }) => {
    const { pool } = ctx.services;
    // A native agent runs the built-in agent: its own command and args are not used.
    const { secretEnv: secretChange, expect, mcpServers: mcpInput, ...rest } = input.transport === "native" ? { ...input, command: nativeAgentCommand, args: [] } : input;
    const existing = await findAgentSettings(pool, input.id);
    let mcpServers;
    try {
      mcpServers = mcpInput === undefined ? undefined : resolveMcpServers(mcpInput, existing?.mcpServers ?? []);
    } catch (error) {
      if (error instanceof McpSecretMissingError) throw new TRPCError({ code: "BAD_REQUEST", message: error.message });
      throw error;
    }
    const fields = { ...rest, mcpServers };
    if (expect === "new" && existing) {
      throw new TRPCError({ code: "CONFLICT", message: `An agent with the id "${input.id}" already exists (${existing.name}). Pick another id, or edit that agent.` });
    }
    if (expect === "existing" && !existing) {
      throw new TRPCError({ code: "NOT_FOUND", message: `Agent "${input.id}" does not exist (it may have been deleted). Add it again.` });
    }
    if (existing?.builtin) {
      const same = existing.transport === fields.transport && existing.command === fields.command && JSON.stringify(existing.args) === JSON.stringify(fields.args);
      if (!same) {
        throw new TRPCError({
          code: "FORBIDDEN",
          message: `${existing.name} is built in: Wharf sets its command, arguments and transport. You can set its environment and secrets here, or add a custom agent with another id.`,
        });
      }
    }
    const replaced =
      existing !== null &&
      (existing.command !== fields.command || existing.transport !== fields.transport || JSON.stringify(existing.args) !== JSON.stringify(fields.args));
    // A native agent offers the models of WHARF_NATIVE_MODEL: the ones it reported before no longer hold.
    const modelsChanged = existing !== null && fields.transport === "native" && stringMap.parse(existing.env)[nativeVars.model] !== fields.env[nativeVars.model];
    const secrets: Record<string, string> = { ...stringMap.parse(existing?.secretEnv ?? {}) };
    for (const [name, value] of Object.entries(secretChange ?? {})) {
      if (value === null) delete secrets[name];
      else secrets[name] = value;
    }
    for (const name of Object.keys(fields.env)) {
      if (name in secrets) {
        throw new TRPCError({ code: "BAD_REQUEST", message: `env.${name}: ${name} is already a secret variable of this agent; remove the secret first or pick another name.` });
      }
    }
    try {
      // Another program answers now: what the old one reported (modes, commands) no longer holds.
      await upsertAgent(pool, fields, secrets, replaced || modelsChanged);
    } catch (error) {
      // The database error may quote the values it was given, secrets included: say what failed
      // without them.
      const code = error && typeof error === "object" && "code" in error ? String(error.code) : "unknown";
      throw new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: `Agent "${input.id}" could not be stored (database error ${code}). Try again.` });
    }
    // A new or changed launch command is checked right away, so the list says whether it works;
    // so is a native agent's endpoint when its settings change.
    const nativeMoved = fields.transport === "native" && stringMap.parse(existing?.env ?? {})[nativeVars.baseUrl] !== fields.env[nativeVars.baseUrl];
    if (!existing || replaced || nativeMoved) {
      await redetectAgents(pool, { id: input.id, home: ctx.services.home });
    }
    return toAgentView(await loadAgent(ctx, input.id));
  }),

  delete: protectedProcedure.input(z.object({ id: z.string().min(1).max(100) })).mutation(async ({ ctx, input }) => {
    const row = await loadAgent(ctx, input.id);
    if (row.builtin) {
      throw new TRPCError({ code: "FORBIDDEN", message: `${row.name} is built in and cannot be deleted; a runner registers it again at start.` });
    }
    if (row.taskCount > 0) {
      throw new TRPCError({
        code: "PRECONDITION_FAILED",
        message: `${row.name} is used by ${row.taskCount} task${row.taskCount === 1 ? "" : "s"} and cannot be deleted: they keep their agent for follow-ups. Edit it instead.`,
      });
    }
    // Tasks may have been created since the count; the foreign key (ON DELETE RESTRICT) has the last word.
    const deleted = await deleteUnusedAgent(ctx.services.pool, input.id).catch((error: unknown) => {
      throw new TRPCError({ code: "PRECONDITION_FAILED", message: `${row.name} is now used by a task and cannot be deleted.`, cause: error });
    });
    if (!deleted) throw new TRPCError({ code: "PRECONDITION_FAILED", message: `${row.name} is now used by a task and cannot be deleted.` });
    return { id: input.id, deleted: true as const };
  }),

  /**
   * Detects one agent (or all) again on the machine that serves the API: whether its command is
   * installed, and its version. Returns the agents as stored afterwards.
   */
  detect: protectedProcedure
    .input(
      z
        .object({ id: z.string().min(1).max(100).optional(), all: z.literal(true).optional() })
        .refine((v) => (v.id === undefined) !== (v.all === undefined), "Name one agent ({ id }) or ask for all of them ({ all: true })."),
    )
    .mutation(async ({ ctx, input }) => {
      if (input.id) await loadAgent(ctx, input.id);
      const ids = await redetectAgents(ctx.services.pool, { ...(input.id ? { id: input.id } : {}), home: ctx.services.home });
      const rows = await listAgents(ctx.services.pool, ids);
      return rows.map(toAgentView);
    }),
};

function readCapabilities(value: unknown): AgentCapabilities | null {
  const parsed = agentCapabilitiesSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

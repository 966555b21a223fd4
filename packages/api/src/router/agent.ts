import { z } from "zod";
import { protectedProcedure } from "../trpc";

/** Never includes secretEnv: secrets are write-only. */
export const agentSelect = {
  id: true,
  name: true,
  transport: true,
  command: true,
  args: true,
  env: true,
  builtin: true,
  available: true,
  version: true,
  detectError: true,
  detectedAt: true,
  capabilities: true,
} as const;

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "Environment variable names are letters, digits and _.").max(200);
const envMap = z.record(envName, z.string().max(10_000)).refine((m) => Object.keys(m).length <= 100, "At most 100 variables.");

/**
 * A native agent is Wharf's built-in agent talking to an OpenAI-compatible endpoint: it runs no
 * command of its own (the runner starts the built-in one, stored as `nativeAgentCommand`), and is
 * configured by its environment: base URL and model in `env`, the API key in `secretEnv`.
 */
export const nativeAgentCommand = "wharf-native-agent";
const nativeVars = { baseUrl: "WHARF_NATIVE_BASE_URL", model: "WHARF_NATIVE_MODEL", apiKey: "WHARF_NATIVE_API_KEY" } as const;

function checkNativeAgent(input: { env: Record<string, string>; secretEnv?: Record<string, string> | undefined }, ctx: z.RefinementCtx): void {
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

export const agentUpsertInput = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "Agent ids are lower-case letters, digits and dashes."),
    name: z.string().trim().min(1).max(200),
    transport: z.enum(["acp", "pty", "native"]),
    /** Required for acp and pty; a native agent runs the built-in agent and ignores it. */
    command: z.string().trim().max(4096).default(""),
    args: z.array(z.string().max(10_000)).max(100).default([]),
    env: envMap.default({}),
    /** Write-only. Omitted = keep the stored secrets; {} = clear them. */
    secretEnv: envMap.optional(),
  })
  .superRefine((input, ctx) => {
    if (input.transport === "native") checkNativeAgent(input, ctx);
    else if (input.command === "") ctx.addIssue({ code: "custom", path: ["command"], message: "An agent needs a command to run." });
  })
  .transform((input) => (input.transport === "native" ? { ...input, command: nativeAgentCommand, args: [] } : input));

export const agentRouter = {
  list: protectedProcedure.query(({ ctx }) =>
    ctx.services.prisma.agent.findMany({ select: agentSelect, orderBy: [{ builtin: "desc" }, { name: "asc" }] }),
  ),

  upsert: protectedProcedure.input(agentUpsertInput).mutation(async ({ ctx, input }) => {
    const { secretEnv, ...fields } = input;
    return ctx.services.prisma.agent.upsert({
      where: { id: input.id },
      create: { ...fields, secretEnv: secretEnv ?? {}, builtin: false },
      update: { ...fields, ...(secretEnv ? { secretEnv } : {}) },
      select: agentSelect,
    });
  }),
};

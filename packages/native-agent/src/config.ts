import { z } from "zod";

/**
 * The agent's environment, read once at start. A native agent row in Wharf keeps the first two in
 * its `env` and the key in its write-only `secretEnv`; the runner passes both to this process.
 */
export const configVars = {
  baseUrl: "WHARF_NATIVE_BASE_URL",
  model: "WHARF_NATIVE_MODEL",
  apiKey: "WHARF_NATIVE_API_KEY",
  maxRounds: "WHARF_NATIVE_MAX_ROUNDS",
  idleTimeoutMs: "WHARF_NATIVE_IDLE_TIMEOUT_MS",
} as const;

export type Config = {
  /** Without a trailing slash, e.g. `http://127.0.0.1:11434/v1`. */
  baseUrl: string;
  /** The default model: the first of `models`. */
  model: string;
  /** `WHARF_NATIVE_MODEL` may list several, separated by commas; a session can switch among them. */
  models: string[];
  apiKey: string | undefined;
  /** Model requests per prompt; the turn ends with `max_turn_requests` after that many. */
  maxRounds: number;
  /** How long the endpoint may stay silent (before the headers or between chunks). */
  idleTimeoutMs: number;
};

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

const httpUrl = z
  .url({ protocol: /^https?$/, error: "must be an http:// or https:// URL, e.g. http://127.0.0.1:11434/v1" })
  .transform((url) => url.replace(/\/+$/, ""));

const intIn = (min: number, max: number, fallback: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`))
    .optional()
    .transform((n) => n ?? fallback);

const envSchema = z.object({
  [configVars.baseUrl]: z.string({ error: "is not set; set it to the OpenAI-compatible API's base URL, e.g. http://127.0.0.1:11434/v1" }).trim().pipe(httpUrl),
  [configVars.model]: z
    .string({ error: "is not set; set it to the model name the endpoint serves" })
    .max(5000)
    .transform((list) => [...new Set(list.split(",").map((m) => m.trim()).filter((m) => m !== ""))])
    .pipe(z.array(z.string().max(500, "names a model longer than 500 characters")).min(1, "is empty; set it to the model name the endpoint serves")),
  [configVars.apiKey]: z
    .string()
    .optional()
    .transform((key) => (key?.trim() ? key.trim() : undefined)),
  [configVars.maxRounds]: intIn(1, 500, 50),
  [configVars.idleTimeoutMs]: intIn(1000, 3_600_000, 300_000),
});

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${String(issue.path[0] ?? "environment")} ${issue.message}`);
    throw new ConfigError(`the native agent is not configured: ${problems.join("; ")}`);
  }
  const data = parsed.data;
  return {
    baseUrl: data[configVars.baseUrl],
    model: data[configVars.model][0]!,
    models: data[configVars.model],
    apiKey: data[configVars.apiKey],
    maxRounds: data[configVars.maxRounds],
    idleTimeoutMs: data[configVars.idleTimeoutMs],
  };
}

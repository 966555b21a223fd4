import { wharfHome } from "@wharf/db/pg";
import { z } from "zod";
import { parseAllowedHosts } from "~/server/allowed-hosts";

const schema = z.object({
  DATABASE_URL: z
    .string({ error: "DATABASE_URL is not set: give the web server the PostgreSQL URL (./wharf start sets it)." })
    .min(1, "DATABASE_URL is empty: give the web server the PostgreSQL URL (./wharf start sets it).")
    .refine((value) => /^postgres(ql)?:\/\//.test(value), "DATABASE_URL must be a postgres:// or postgresql:// URL."),
  WHARF_HOME: z.string().min(1, "WHARF_HOME is empty: unset it or point it at Wharf's data directory.").optional(),
  WHARF_NPM_REGISTRY: z
    .string()
    .refine((value) => /^https?:\/\/[^/]/.test(value), "WHARF_NPM_REGISTRY must be an http(s) URL of an npm registry, or unset (then npm's own setting is used).")
    .optional(),
});

export type WebEnv = {
  databaseUrl: string;
  /** Wharf's data directory (holds the access token). */
  home: string;
  /** The npm registry agents are installed from; unset: the person's npm config. */
  npmRegistry: string | undefined;
};

export class WebEnvError extends Error {
  constructor(readonly issues: string[]) {
    super(`The web server's environment is not valid:\n${issues.map((i) => `  ${i}`).join("\n")}`);
    this.name = "WebEnvError";
  }
}

/** Validates the variables the web server uses; the error names each bad variable. */
export function parseWebEnv(source: NodeJS.ProcessEnv): WebEnv {
  const parsed = schema.safeParse({ DATABASE_URL: source.DATABASE_URL, WHARF_HOME: source.WHARF_HOME || undefined, WHARF_NPM_REGISTRY: source.WHARF_NPM_REGISTRY || undefined });
  if (!parsed.success) throw new WebEnvError(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`));
  return { databaseUrl: parsed.data.DATABASE_URL, home: wharfHome(source), npmRegistry: parsed.data.WHARF_NPM_REGISTRY };
}

let cached: WebEnv | undefined;

/** The web server's environment, read once on first use (not at build time). */
export function env(): WebEnv {
  cached ??= parseWebEnv(process.env);
  return cached;
}

let hosts: string[] | undefined;

/** Host names served besides the loopback names (WHARF_ALLOWED_HOSTS, comma-separated). */
export function allowedHosts(): string[] {
  hosts ??= parseAllowedHosts(process.env.WHARF_ALLOWED_HOSTS);
  return hosts;
}

import { z } from "zod";

const schema = z.object({
  WHARF_PORT: z.coerce
    .number({ error: "WHARF_PORT must be a port number, e.g. WHARF_PORT=7777" })
    .int("WHARF_PORT must be a whole number, e.g. WHARF_PORT=7777")
    .min(1, "WHARF_PORT must be between 1 and 65535")
    .max(65535, "WHARF_PORT must be between 1 and 65535")
    .default(7777),
  WHARF_HOST: z.string().min(1, "WHARF_HOST must not be empty, e.g. WHARF_HOST=127.0.0.1").default("127.0.0.1"),
  WHARF_RUNNER_CONCURRENCY: z.coerce
    .number({ error: "WHARF_RUNNER_CONCURRENCY must be a number of tasks, e.g. 4" })
    .int()
    .min(1, "WHARF_RUNNER_CONCURRENCY must be at least 1")
    .optional(),
});

export type LauncherEnv = { port: number; host: string; runnerConcurrency: number | undefined };

/** The launcher's own settings; DATABASE_URL and WHARF_HOME are read by @wharf/db. */
export class LauncherEnvError extends Error {
  constructor(readonly issues: string[]) {
    super(`Wharf's environment is not valid:\n${issues.map((i) => `  ${i}`).join("\n")}`);
    this.name = "LauncherEnvError";
  }
}

export function parseLauncherEnv(source: NodeJS.ProcessEnv): LauncherEnv {
  const parsed = schema.safeParse({
    WHARF_PORT: source.WHARF_PORT || undefined,
    WHARF_HOST: source.WHARF_HOST || undefined,
    WHARF_RUNNER_CONCURRENCY: source.WHARF_RUNNER_CONCURRENCY || undefined,
  });
  if (!parsed.success) {
    throw new LauncherEnvError(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`));
  }
  return { port: parsed.data.WHARF_PORT, host: parsed.data.WHARF_HOST, runnerConcurrency: parsed.data.WHARF_RUNNER_CONCURRENCY };
}

/** What a host runs: everything (`./wharf start`), the web server alone (`--no-runner`), a runner alone (`./wharf runner`). */
export type LauncherRole = "all" | "web" | "runner";

/** The launcher's arguments, as scripts/wharf.mjs passes them: none, or one --role=all|web|runner. */
export function parseRole(args: readonly string[]): LauncherRole {
  if (args.length === 0) return "all";
  const match = args.length === 1 ? /^--role=(all|web|runner)$/.exec(args[0] ?? "") : null;
  if (!match) throw new LauncherEnvError([`the launcher takes one argument, --role=all|web|runner (got: ${args.join(" ")}); start Wharf with ./wharf start or ./wharf runner`]);
  return match[1] as LauncherRole;
}

import { z } from "zod";

const schema = z.object({
  /** A PostgreSQL server to use instead of the embedded one; the benchmarks create (and drop) a fresh database on it. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "DATABASE_URL must be a postgres:// or postgresql:// URL.")
    .optional(),
  /** Passed on to the runner, agents and web server. */
  PATH: z.string().default("/usr/local/bin:/usr/bin:/bin"),
  HOME: z.string().optional(),
  /** Chromium for the long-history figure. */
  WHARF_CHROMIUM: z.string().min(1).default("/usr/bin/chromium"),
});

export type BenchEnv = z.infer<typeof schema>;

/** The benchmarks' environment, read once at start. */
export function readBenchEnv(source: NodeJS.ProcessEnv = process.env): BenchEnv {
  const parsed = schema.safeParse({
    DATABASE_URL: source.DATABASE_URL || undefined,
    PATH: source.PATH || undefined,
    HOME: source.HOME || undefined,
    WHARF_CHROMIUM: source.WHARF_CHROMIUM || undefined,
  });
  if (!parsed.success) {
    throw new Error(`The benchmarks' environment is not valid:\n${parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n")}`);
  }
  return parsed.data;
}

import type { Queryable } from "@wharf/db/pg";
import { z } from "zod";

/** One round trip to the database; throws when it cannot be reached. */
export async function ping(db: Queryable): Promise<void> {
  const { rows } = await db.query(`select 1 as "one"`);
  z.array(z.object({ one: z.literal(1) })).length(1).parse(rows);
}

const sandboxRow = z.object({ on: z.boolean(), mode: z.enum(["auto", "require", "off"]), reason: z.string() });
export type RunnerSandbox = z.infer<typeof sandboxRow>;

/** Whether the most recently started runner confines its agents; null before any runner started. */
export async function latestRunnerSandbox(db: Queryable): Promise<RunnerSandbox | null> {
  const { rows } = await db.query(
    `select sandbox_on as "on", sandbox_mode as "mode", sandbox_reason as "reason" from runner order by started_at desc limit 1`,
  );
  return z.array(sandboxRow).max(1).parse(rows)[0] ?? null;
}

import { wharfHome } from "@wharf/db/pg";
import { z } from "zod";
import { readLauncherProblems } from "../launcher-status";
import { protectedProcedure } from "../trpc";

const runnerSandboxSchema = z.object({ sandbox_on: z.boolean(), sandbox_mode: z.enum(["auto", "require", "off"]), sandbox_reason: z.string() });

export const healthRouter = {
  check: protectedProcedure.query(async ({ ctx }) => {
    const started = performance.now();
    await ctx.services.pool.query("select 1");
    const databaseMs = Math.round((performance.now() - started) * 10) / 10;
    // The most recently started runner says whether agents run in the OS sandbox; null before any runner started.
    const { rows } = await ctx.services.pool.query(`select sandbox_on, sandbox_mode, sandbox_reason from runner order by started_at desc limit 1`);
    const parsed = rows[0] === undefined ? null : runnerSandboxSchema.safeParse(rows[0]);
    const sandbox = parsed?.success ? { on: parsed.data.sandbox_on, mode: parsed.data.sandbox_mode, reason: parsed.data.sandbox_reason } : null;
    // Processes the launcher gave up on (a crash-looping runner): the board serves on, and says so.
    const problems = readLauncherProblems(wharfHome());
    return { ok: true as const, databaseMs, sandbox, problems };
  }),
};

import { wharfHome } from "@wharf/db/pg";
import { readLauncherProblems } from "../launcher-status";
import { protectedProcedure } from "../trpc";

export const healthRouter = {
  check: protectedProcedure.query(async ({ ctx }) => {
    const started = performance.now();
    await ctx.services.pool.query("select 1");
    // Processes the launcher gave up on (a crash-looping runner): the board serves on, and says so.
    const problems = readLauncherProblems(wharfHome());
    return { ok: true as const, databaseMs: Math.round((performance.now() - started) * 10) / 10, problems };
  }),
};

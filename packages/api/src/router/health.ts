import { wharfHome } from "@wharf/db/pg";
import { readLauncherProblems } from "../launcher-status";
import { latestRunnerSandbox, ping } from "../queries/health";
import { protectedProcedure } from "../trpc";

export const healthRouter = {
  check: protectedProcedure.query(async ({ ctx }) => {
    const started = performance.now();
    await ping(ctx.services.pool);
    const databaseMs = Math.round((performance.now() - started) * 10) / 10;
    // The most recently started runner says whether agents run in the OS sandbox.
    const sandbox = await latestRunnerSandbox(ctx.services.pool);
    // Processes the launcher gave up on (a crash-looping runner): the board serves on, and says so.
    const problems = readLauncherProblems(wharfHome());
    return { ok: true as const, databaseMs, sandbox, problems };
  }),
};

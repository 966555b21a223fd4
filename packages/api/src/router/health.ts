import { protectedProcedure } from "../trpc";

export const healthRouter = {
  check: protectedProcedure.query(async ({ ctx }) => {
    const started = performance.now();
    await ctx.services.pool.query("select 1");
    return { ok: true as const, databaseMs: Math.round((performance.now() - started) * 10) / 10 };
  }),
};

import { ping } from "../queries/health";
import { protectedProcedure } from "../trpc";

export const healthRouter = {
  check: protectedProcedure.query(async ({ ctx }) => {
    const started = performance.now();
    await ping(ctx.services.pool);
    return { ok: true as const, databaseMs: Math.round((performance.now() - started) * 10) / 10 };
  }),
};

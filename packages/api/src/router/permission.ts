import { z } from "zod";
import { atEdge } from "../errors";
import { answerPermission, inTransaction } from "../lifecycle";
import { listPendingPermissions } from "../queries/permission";
import { protectedProcedure } from "../trpc";

export const permissionRouter = {
  pending: protectedProcedure
    .input(z.object({ taskId: z.string().uuid().optional() }).default({}))
    .query(({ ctx, input }) => listPendingPermissions(ctx.services.pool, { taskId: input.taskId, limit: 500 })),

  /** The first answer wins; later ones get CONFLICT "already answered". */
  respond: protectedProcedure
    .input(z.object({ requestId: z.string().uuid(), optionId: z.string().min(1).max(10_000) }))
    .mutation(async ({ ctx, input }) => {
      const { option } = await atEdge(() =>
        inTransaction(ctx.services.pool, (client) => answerPermission(client, { requestId: input.requestId, optionId: input.optionId, actor: ctx.actor })),
      );
      return { requestId: input.requestId, optionId: option.optionId, kind: option.kind };
    }),
};

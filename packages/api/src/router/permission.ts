import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { notFound } from "../errors";
import { appendTaskEvents, inTransaction } from "../queue";
import { CHANNEL_CONTROL, permissionOptionSchema, type ControlNotify } from "../schemas";
import { protectedProcedure } from "../trpc";

const permissionSelect = {
  id: true,
  taskId: true,
  toolCallId: true,
  title: true,
  toolKind: true,
  options: true,
  toolCall: true,
  state: true,
  chosenOption: true,
  answeredBy: true,
  answeredAt: true,
  createdAt: true,
} as const;

export const permissionRouter = {
  pending: protectedProcedure
    .input(z.object({ taskId: z.string().uuid().optional() }).default({}))
    .query(({ ctx, input }) =>
      ctx.services.prisma.permissionRequest.findMany({
        where: { state: "pending", ...(input.taskId ? { taskId: input.taskId } : {}) },
        select: permissionSelect,
        orderBy: { createdAt: "asc" },
        take: 500,
      }),
    ),

  /** The first answer wins; later ones get CONFLICT "already answered". */
  respond: protectedProcedure
    .input(z.object({ requestId: z.string().uuid(), optionId: z.string().min(1).max(10_000) }))
    .mutation(async ({ ctx, input }) =>
      inTransaction(ctx.services.pool, async (client) => {
        const { rows } = await client.query<{ task_id: string; tool_call_id: string; options: unknown; state: string; chosen_option: string | null }>(
          `select task_id, tool_call_id, options, state, chosen_option from permission_request where id = $1 for update`,
          [input.requestId],
        );
        const request = rows[0];
        if (!request) throw notFound("Permission request", input.requestId);
        if (request.state !== "pending") {
          throw new TRPCError({
            code: "CONFLICT",
            message: `Permission request ${input.requestId} was already ${request.state === "answered" ? "answered" : request.state}.`,
          });
        }
        const options = z.array(permissionOptionSchema).parse(request.options);
        const option = options.find((o) => o.optionId === input.optionId);
        if (!option) {
          throw new TRPCError({
            code: "BAD_REQUEST",
            message: `"${input.optionId}" is not one of the agent's options: ${options.map((o) => o.optionId).join(", ")}.`,
          });
        }
        await client.query(
          `update permission_request set state = 'answered', chosen_option = $2, answered_by = $3, answered_at = now() where id = $1`,
          [input.requestId, option.optionId, ctx.actor],
        );
        await appendTaskEvents(client, request.task_id, [
          {
            type: "permission",
            phase: "resolved",
            requestId: input.requestId,
            toolCallId: request.tool_call_id,
            outcome: "selected",
            optionId: option.optionId,
            optionKind: option.kind,
            answeredBy: ctx.actor,
          },
        ]);
        const message: ControlNotify = { action: "permission", taskId: request.task_id, requestId: input.requestId };
        await client.query(`select pg_notify($1, $2)`, [CHANNEL_CONTROL, JSON.stringify(message)]);
        return { requestId: input.requestId, optionId: option.optionId, kind: option.kind };
      }),
    ),
};

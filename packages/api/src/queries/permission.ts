import type { Queryable } from "@wharf/db/pg";
import { z } from "zod";
import { permissionOptionSchema } from "../schemas";

/*
 * Reads of permission requests for the API. One SQL statement each; rows are parsed, never cast.
 */

const permissionRowSchema = z.object({
  id: z.string(),
  taskId: z.string(),
  toolCallId: z.string(),
  title: z.string().nullable(),
  toolKind: z.string().nullable(),
  options: z.array(permissionOptionSchema),
  toolCall: z.unknown(),
  state: z.enum(["pending", "answered", "cancelled", "expired"]),
  chosenOption: z.string().nullable(),
  answeredBy: z.string().nullable(),
  answeredAt: z.date().nullable(),
  createdAt: z.date(),
});
export type PermissionRow = z.infer<typeof permissionRowSchema>;

/** Pending requests, oldest first, of one task or of all. */
export async function listPendingPermissions(db: Queryable, filter: { taskId?: string | undefined; limit: number }): Promise<PermissionRow[]> {
  const { rows } = await db.query(
    `select r.id, r.task_id as "taskId", r.tool_call_id as "toolCallId", r.title, r.tool_kind as "toolKind", r.options,
            r.tool_call as "toolCall", r.state::text as state, r.chosen_option as "chosenOption", r.answered_by as "answeredBy",
            r.answered_at as "answeredAt", r.created_at as "createdAt"
     from permission_request r
     where r.state = 'pending' and ($1::uuid is null or r.task_id = $1)
     order by r.created_at asc
     limit $2`,
    [filter.taskId ?? null, filter.limit],
  );
  return z.array(permissionRowSchema).parse(rows);
}

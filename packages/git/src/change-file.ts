import { z } from "zod";

/** One file of a task's change. Same shape as `changeFileSchema` in @wharf/api/schemas. */
export const changeFileSchema = z.object({
  path: z.string().min(1),
  oldPath: z.string().min(1).optional(),
  status: z.enum(["added", "modified", "deleted", "renamed", "copied", "type_changed"]),
  additions: z.number().int().nonnegative(),
  deletions: z.number().int().nonnegative(),
  binary: z.boolean(),
});
export type ChangeFile = z.infer<typeof changeFileSchema>;
export type ChangeFileStatus = ChangeFile["status"];

/** A full object id (SHA-1 or SHA-256). */
export const objectIdSchema = z.string().regex(/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/);

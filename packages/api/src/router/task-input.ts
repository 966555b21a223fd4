import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { changeFileSchema } from "../schemas";

/** Inputs shared by the task procedures (task.ts, task-attempts.ts). */

const PROMPT_MAX = 100_000;

export const promptInput = z
  .string()
  .max(PROMPT_MAX, `A prompt is at most ${PROMPT_MAX} characters.`)
  .refine((p) => p.trim().length > 0, "Write a prompt: it is empty.");
export const taskIdInput = z.string().uuid("Task ids are UUIDs.");
export const projectIdInput = z.string().uuid("Project ids are UUIDs.");
export const agentIdInput = z.string().min(1).max(100);
/** A model or mode id, as the agent lists them. */
export const optionIdInput = z.string().trim().min(1).max(200);

const changeFilesSchema = z.array(changeFileSchema);

/** Stored change files, typed; a row that does not parse is a bug worth a clear error. */
export function parseFiles(value: unknown) {
  const parsed = changeFilesSchema.safeParse(value);
  if (!parsed.success) throw new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: "A stored change has an invalid file list." });
  return parsed.data;
}

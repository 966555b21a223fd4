import { z } from "zod";
import { SERVICE_PORTS_MAX } from "./tool-calls";

export { readServiceCallInput, SERVICE_PORTS_MAX, serviceToolCallPrefix, setupToolCallPrefix, type ServiceCallInput } from "./tool-calls";

/**
 * A project's workspace settings (`project.update`, stored on the project row, read by the runner):
 * the setup and teardown scripts, the git-ignored files copied into each new worktree, and the
 * services a person can start for a task.
 */

export const SCRIPT_MAX_CHARS = 64 * 1024;
export const COPY_FILES_MAX = 100;
export const SERVICES_MAX = 20;
export const SETUP_TIMEOUT_MAX_SECONDS = 24 * 60 * 60;

const scriptSchema = z
  .string()
  .max(SCRIPT_MAX_CHARS, `A script may be at most ${SCRIPT_MAX_CHARS / 1024} KiB; move longer ones into a file in the repository and call it.`)
  .refine((s) => !s.includes("\0"), "The script contains a NUL byte.");

/**
 * A path or glob relative to the project's checkout (`.env`, `config/*.key`, `**\/.env.local`).
 * Absolute paths and `..` segments are refused: only files inside the checkout are copied.
 */
export const copyFileEntrySchema = z
  .string()
  .trim()
  .min(1, "A file to copy may not be empty.")
  .max(500, "A file to copy is at most 500 characters.")
  .refine((p) => !p.includes("\0"), "The path contains a NUL byte.")
  .refine((p) => !p.startsWith("/"), "Give a path relative to the project's checkout (no leading /).")
  .refine((p) => !p.split("/").includes(".."), "A path may not leave the project's checkout (no .. segments).")
  .refine((p) => p.split("/")[0] !== ".git", "Files inside .git cannot be copied.");

export const serviceNameSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z][A-Za-z0-9_-]{0,39}$/, "A service name starts with a letter and has at most 40 letters, digits, - or _ (it becomes PORT_<NAME>).");

export const serviceSchema = z.object({
  name: serviceNameSchema,
  command: z
    .string()
    .trim()
    .min(1, "Give the command that starts the service.")
    .max(4000, "A service command is at most 4000 characters.")
    .refine((s) => !s.includes("\0"), "The command contains a NUL byte."),
  /** How many free ports the service gets (PORT is the first). */
  ports: z.number().int().min(1).max(SERVICE_PORTS_MAX, `A service may ask for at most ${SERVICE_PORTS_MAX} ports.`).default(1),
});
export type ServiceSpec = z.infer<typeof serviceSchema>;

export const servicesSchema = z
  .array(serviceSchema)
  .max(SERVICES_MAX, `At most ${SERVICES_MAX} services per project.`)
  .refine((list) => new Set(list.map((s) => portVarName(s.name))).size === list.length, "Two services have the same name (names are compared as PORT_<NAME>).");

/** Fields `project.update` takes; each is optional (absent = unchanged), a script `null` clears it. */
export const workspaceSettingsPatchSchema = z.object({
  setupScript: scriptSchema.nullable().optional(),
  teardownScript: scriptSchema.nullable().optional(),
  copyFiles: z.array(copyFileEntrySchema).max(COPY_FILES_MAX, `At most ${COPY_FILES_MAX} files or globs to copy.`).optional(),
  services: servicesSchema.optional(),
  setupTimeoutSeconds: z.number().int().min(1, "The setup time limit is at least 1 second.").max(SETUP_TIMEOUT_MAX_SECONDS, "The setup time limit is at most 24 hours.").optional(),
});

/** The settings as stored on a project row. */
export const workspaceSettingsSchema = z.object({
  setupScript: z.string().nullable(),
  teardownScript: z.string().nullable(),
  copyFiles: z.array(z.string()),
  services: z.array(serviceSchema),
  setupTimeoutSeconds: z.number().int(),
});
export type WorkspaceSettings = z.infer<typeof workspaceSettingsSchema>;

/** `PORT_<NAME>`: the variable a service's first port is also passed as (`web-ui` → `PORT_WEB_UI`). */
export function portVarName(serviceName: string): string {
  return `PORT_${serviceName.toUpperCase().replace(/-/g, "_")}`;
}


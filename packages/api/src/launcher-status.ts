import { readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

/**
 * What the launcher (`./wharf start`) tells the web about the processes it supervises, through
 * `<WHARF_HOME>/launcher-status.json`: today, a runner it stopped restarting. `health.check`
 * reports it, so the board keeps serving and the failure stays visible.
 */
const launcherStatusSchema = z.object({
  problems: z.array(z.object({ process: z.string(), message: z.string(), since: z.string() })),
});
export type LauncherStatus = z.infer<typeof launcherStatusSchema>;

export function launcherStatusPath(home: string): string {
  return path.join(home, "launcher-status.json");
}

/** Written whole through a rename, so a reader never sees half a file. */
export function writeLauncherStatus(home: string, status: LauncherStatus): void {
  const file = launcherStatusPath(home);
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(status)}\n`, { mode: 0o600 });
  renameSync(temp, file);
}

/** The launcher's problems, as lines a person can act on; none when there is no file. */
export function readLauncherProblems(home: string): string[] {
  let text: string;
  try {
    text = readFileSync(launcherStatusPath(home), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    return [`cannot read ${launcherStatusPath(home)}: ${(error as Error).message}`];
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return [`${launcherStatusPath(home)} is not JSON; restart Wharf to rewrite it`];
  }
  const parsed = launcherStatusSchema.safeParse(json);
  if (!parsed.success) return [`${launcherStatusPath(home)} has an unexpected shape; restart Wharf to rewrite it`];
  return parsed.data.problems.map((p) => `${p.process}: ${p.message} (since ${p.since})`);
}

import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type pg from "pg";

const testAgent = fileURLToPath(new URL("../../../../packages/test-agent/bin/wharf-test-agent.mjs", import.meta.url));

/** A folder in `parent` holding `<name>-agent` for each name: the scripted test agent under that command (hosts with different agents installed). */
export function binWith(parent: string, ...names: string[]): string {
  const dir = mkdtempSync(path.join(parent, "bin-"));
  for (const name of names) {
    const file = path.join(dir, `${name}-agent`);
    writeFileSync(file, `#!/bin/sh\nexec "${process.execPath}" "${testAgent}" "$@"\n`);
    chmodSync(file, 0o755);
  }
  return dir;
}

/** One runner's hold on a task: from its claim (a `running` status naming it) to the task's next status that ends or hands on the turn. */
export type RunPeriod = { taskId: string; runner: string; start: number; end: number | null };

const claimedBy = /^(?:picked up by runner|retrying \(attempt \d+\) on runner) (\S+)/;

/** A task's run periods, from its status events by the database's clock. */
export async function runPeriods(pool: pg.Pool, taskId: string): Promise<RunPeriod[]> {
  const { rows } = await pool.query<{ state: string; reason: string | null; at: Date }>(
    `select payload->>'state' as state, payload->>'reason' as reason, created_at as at from task_event where task_id = $1 and type = 'status' order by seq`,
    [taskId],
  );
  const periods: RunPeriod[] = [];
  let open: RunPeriod | null = null;
  for (const row of rows) {
    const at = row.at.getTime();
    const claim = row.state === "running" ? claimedBy.exec(row.reason ?? "") : null;
    if (claim) {
      if (open) open.end = at;
      open = { taskId, runner: claim[1]!, start: at, end: null };
      periods.push(open);
    } else if (open && row.state !== "running" && row.state !== "needs_input") {
      open.end = at;
      open = null;
    }
  }
  return periods;
}

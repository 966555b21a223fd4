import type { Queryable } from "@wharf/db/pg";
import { z } from "zod";

const terminalTaskRow = z.object({ state: z.string(), transport: z.string(), agentName: z.string() });
export type TerminalTaskRow = z.infer<typeof terminalTaskRow>;

/** A task's state and how its agent runs (transport and name), or null when there is no such task. */
export async function findTerminalTask(db: Queryable, taskId: string): Promise<TerminalTaskRow | null> {
  const { rows } = await db.query(
    `select t.state::text as state, a.transport::text as transport, a.name as "agentName"
     from task t join agent a on a.id = t.agent_id where t.id = $1`,
    [taskId],
  );
  return z.array(terminalTaskRow).parse(rows)[0] ?? null;
}

export async function taskExists(db: Queryable, taskId: string): Promise<boolean> {
  const { rows } = await db.query(`select exists (select 1 from task t where t.id = $1) as "exists"`, [taskId]);
  return z.array(z.object({ exists: z.boolean() })).length(1).parse(rows)[0]!.exists;
}

const outputRow = z.object({ seq: z.number().int(), payload: z.unknown() });
export type TerminalOutputRow = z.infer<typeof outputRow>;

/** Up to `limit` stored `terminal_output` events of one terminal of a task, ascending after `afterSeq`. */
export async function readTerminalOutput(db: Queryable, taskId: string, terminalId: string, afterSeq: number, limit: number): Promise<TerminalOutputRow[]> {
  const { rows } = await db.query(
    `select e.seq, e.payload from task_event e
     where e.task_id = $1 and e.type = 'terminal_output' and e.payload->>'terminalId' = $2 and e.seq > $3
     order by e.seq limit $4`,
    [taskId, terminalId, afterSeq, limit],
  );
  return z.array(outputRow).parse(rows);
}

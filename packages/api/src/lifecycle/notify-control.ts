import type { Queryable } from "@wharf/db/pg";
import { CHANNEL_CONTROL, controlNotifySchema, type ControlNotify } from "../schemas";

/**
 * Sends a control message to the runners (`wharf_control`). Inside a transaction it is delivered
 * at commit. The message is checked against the schema the runner parses it with.
 */
export async function notifyControl(db: Queryable, message: ControlNotify): Promise<void> {
  const parsed = controlNotifySchema.safeParse(message);
  if (!parsed.success) throw new Error(`Refusing to send an invalid control message: ${parsed.error.message}`);
  await db.query(`select pg_notify($1, $2)`, [CHANNEL_CONTROL, JSON.stringify(parsed.data)]);
}

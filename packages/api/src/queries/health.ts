import type { Queryable } from "@wharf/db/pg";
import { z } from "zod";

/** One round trip to the database; throws when it cannot be reached. */
export async function ping(db: Queryable): Promise<void> {
  const { rows } = await db.query(`select 1 as "one"`);
  z.array(z.object({ one: z.literal(1) })).length(1).parse(rows);
}

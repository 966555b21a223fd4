import pg from "pg";
import type { Logger } from "./agents/transport";

/** A fleet-wide cap: `cap` advisory-lock slots under `key`. */
export type Cap = { key: string; cap: number };

/**
 * A cap's connection is idle for the whole turn. A runner host cut off from the network never
 * closes it, and TCP keepalives do not end it once the route is gone (measured: still open after a
 * minute). So the server ends it after this long without a word, and the runner says `select 1` on
 * it three times as often while it holds the slots.
 */
const CAP_SESSION_IDLE_MS = 30_000;

/** Takes one of the cap's slots on `client`: a free one if any, else waits (in the database, no polling) for one. */
async function takeSlot(client: pg.Client, { key, cap }: Cap): Promise<void> {
  for (let i = 0; i < cap; i++) {
    const { rows } = await client.query<{ ok: boolean }>(`select pg_try_advisory_lock(hashtext($1), $2) as ok`, [key, i]);
    if (rows[0]?.ok) return;
  }
  await client.query(`select pg_advisory_lock(hashtext($1), $2)`, [key, Math.floor(Math.random() * cap)]);
}

/**
 * Runs `fn` holding one slot of each cap: PostgreSQL advisory locks (key, slot), taken in the
 * order given (agent, then project, the same in every runner, so two waiting tasks never hold
 * what the other waits for) on a connection of their own that lives as long as the task. A runner
 * that dies loses its connection, and with it its slots, at once. A slot freed wakes the session
 * waiting for it in the database.
 */
export async function withFleetSlots<T>(databaseUrl: string, caps: Cap[], log: Logger, fn: () => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: "wharf-runner-cap" });
  await client.connect();
  const alive = setInterval(() => {
    client.query("select 1").catch((error: unknown) => log.warn("a cap connection did not answer", { error }));
  }, CAP_SESSION_IDLE_MS / 3);
  try {
    await client.query(`set idle_session_timeout = ${CAP_SESSION_IDLE_MS}`);
    for (const cap of caps) await takeSlot(client, cap);
    return await fn();
  } finally {
    clearInterval(alive);
    // Ending the session releases its advisory locks.
    await client.end().catch((error: unknown) => log.warn("closing a cap connection failed", { error }));
  }
}

import pg from "pg";

/** A PostgreSQL URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(not a valid URL)";
  }
}

/**
 * Connects once and runs `select 1`: resolves when the database at `url` answers, rejects with the
 * driver's reason otherwise (within `timeoutMs` for a host that does not answer at all).
 */
export async function assertReachable(url: string, timeoutMs = 10_000): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, application_name: "wharf-launcher" });
  try {
    await client.connect();
    await client.query("select 1");
  } finally {
    await client.end().catch(() => undefined);
  }
}

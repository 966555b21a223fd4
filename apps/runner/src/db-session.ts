/**
 * Session settings for every connection a runner opens. A runner host that dies with its network
 * cut never closes its connections: the server keeps them, with their locks, until it notices.
 * An idle transaction (the runner died between two statements of one: its row locks would keep
 * every other runner off the task) ends after 20 s; the runner's own transactions are short,
 * database statements only, no git or agent work inside them. (Idle sessions holding a cap's
 * advisory locks: see withFleetSlots.)
 */
const SESSION_OPTIONS = ["idle_in_transaction_session_timeout=20000"];

/** DATABASE_URL with the runner's session settings added to its `options` (kept: any the URL had). */
export function runnerDatabaseUrl(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  const given = url.searchParams.get("options");
  url.searchParams.set("options", [given, ...SESSION_OPTIONS.map((o) => `-c ${o}`)].filter(Boolean).join(" "));
  return url.toString();
}

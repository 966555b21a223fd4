/** Node's errors for a server that went away or does not answer. */
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT"]);
/** PostgreSQL's: admin_shutdown, crash_shutdown, cannot_connect_now (class 08 is matched whole). */
const SERVER_CODES = new Set(["57P01", "57P02", "57P03"]);
/**
 * The same failures by message, for errors that lost their code on the way (node-postgres wraps
 * some).
 */
const MESSAGES =
  /ECONNREFUSED|Connection terminated|connection is closed|Client has encountered a connection error|terminating connection|the database system is (starting up|shutting down)/i;

/**
 * True when `error` means the database server went away or does not accept connections yet (a
 * retry may succeed), false when the statement itself failed (a retry would fail the same way).
 */
export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as Error & { code?: unknown }).code;
  if (typeof code === "string" && (NETWORK_CODES.has(code) || SERVER_CODES.has(code) || code.startsWith("08"))) return true;
  return MESSAGES.test(error.message);
}

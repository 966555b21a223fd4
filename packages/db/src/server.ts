/**
 * What the launcher needs to bring a database up (the embedded PostgreSQL or DATABASE_URL, and
 * migrations) and nothing else: `scripts/launcher` is built into one small module from this entry.
 */
export { migrate } from "./migrate";
export { resolveDatabase, type ResolvedDatabase } from "./resolve-database";
export { wharfHome } from "./paths";
export { assertReachable, redactUrl } from "./reachable";
export type { Logger } from "./logger";

export * from "./generated/prisma/client";
// Everything a pg-only process needs (channels, events, listener, logger, paths) is in ./pg.
export * from "./pg";
export { createPrisma } from "./client";
export {
  EMBEDDED_DEFAULT_PORT,
  EmbeddedPostgresError,
  startEmbeddedPostgres,
  type EmbeddedPostgres,
  type EmbeddedPostgresOptions,
} from "./embedded";
export { migrate, MIGRATIONS_DIR, MigrationChecksumError, MigrationFailedError, MigrationUnknownError } from "./migrate";
export { EmbeddedPostgresInUseError } from "./postmaster";
export { resolveDatabase, type ResolvedDatabase } from "./resolve-database";

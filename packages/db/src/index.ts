// Everything a pg-only process needs is also in ./pg; this adds the embedded server and migrations.
export * from "./pg";
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

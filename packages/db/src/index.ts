// Nothing here loads the Prisma client: the schema file is only the reference the migrations are
// checked against (schema-drift.test.ts). Everything a pg-only process needs is also in ./pg.
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
// Type only (erased at run time): for the routers that still read through Services.prisma.
export type { PrismaClient } from "./prisma";

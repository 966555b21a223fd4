export * from "./generated/prisma/client";
export { CHANNEL_CONTROL, CHANNEL_EVENTS } from "./channels";
export { createPrisma } from "./client";
export {
  EMBEDDED_DEFAULT_PORT,
  EmbeddedPostgresError,
  startEmbeddedPostgres,
  type EmbeddedPostgres,
  type EmbeddedPostgresOptions,
} from "./embedded";
export { appendEvents, readEvents, TaskNotFoundError, type Queryable, type StoredEvent } from "./events";
export {
  ListenerError,
  PgListener,
  type ListenerErrorHandler,
  type NotificationHandler,
  type PgListenerOptions,
  type ReconnectHandler,
  type Unsubscribe,
} from "./listener";
export { consoleLogger, quietLogger, type Logger } from "./logger";
export { migrate, MIGRATIONS_DIR, MigrationChecksumError, MigrationFailedError, MigrationUnknownError } from "./migrate";
export { wharfHome } from "./paths";
export { EmbeddedPostgresInUseError } from "./postmaster";
export { resolveDatabase, type ResolvedDatabase } from "./resolve-database";

/**
 * What a process that talks to PostgreSQL through `pg` alone needs (the runner, the web): no
 * embedded server and no migrations are loaded from here, which saves memory and start-up time.
 */
export { CHANNEL_CONTROL, CHANNEL_EVENTS, CHANNEL_RUNNERS } from "./channels";
export { isConnectionError } from "./connection-error";
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
export { wharfHome } from "./paths";

/** Limits of the HTTP API that clients must respect too (their batch links split at this size). */
export const MAX_BATCH_SIZE = 50;
/** A request body larger than this is refused with 413 before it is parsed. */
export const MAX_REQUEST_BYTES = 8 * 1024 * 1024;

/** Best-of-N: how many attempts one prompt may run as (task.createAttempts). */
export const MIN_ATTEMPTS = 2;
export const MAX_ATTEMPTS = 8;

/** Limits of the HTTP API that clients must respect too (their batch links split at this size). */
export const MAX_BATCH_SIZE = 50;
/** A request body larger than this is refused with 413 before it is parsed. */
export const MAX_REQUEST_BYTES = 8 * 1024 * 1024;

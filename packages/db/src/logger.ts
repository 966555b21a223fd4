import type { Logger } from "@wharf/common";

export type { Logger };

export const consoleLogger: Logger = {
  info: (message, fields) => console.info(`[wharf/db] ${message}`, fields ?? ""),
  warn: (message, fields) => console.warn(`[wharf/db] ${message}`, fields ?? ""),
  error: (message, fields) => console.error(`[wharf/db] ${message}`, fields ?? ""),
};

/** Drops info and keeps warnings and errors: for tests and quiet tools. */
export const quietLogger: Logger = {
  info: () => undefined,
  warn: consoleLogger.warn,
  error: consoleLogger.error,
};

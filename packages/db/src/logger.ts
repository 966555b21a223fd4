/** What @wharf/db logs through. `console` fits, and so do the apps' structured loggers. */
export type Logger = {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
};

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

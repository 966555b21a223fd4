import type { Logger } from "@wharf/common";

/** Where the git module reports what it cleaned up or retried. Apps pass their own logger. */
export type { Logger };

function write(level: "info" | "warn" | "error", message: string, fields?: object): void {
  const line = JSON.stringify({ level, scope: "git", message, ...fields });
  process.stderr.write(`${line}\n`);
}

/** One JSON line per entry on stderr. */
export const stderrLogger: Logger = {
  info: (message, fields) => write("info", message, fields),
  warn: (message, fields) => write("warn", message, fields),
  error: (message, fields) => write("error", message, fields),
};

export const silentLogger: Logger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

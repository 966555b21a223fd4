export type GitLogFields = Record<string, unknown>;

/** Where the git module reports what it cleaned up or retried. Apps pass their own logger. */
export interface GitLogger {
  info(message: string, fields?: GitLogFields): void;
  warn(message: string, fields?: GitLogFields): void;
}

function write(level: "info" | "warn", message: string, fields?: GitLogFields): void {
  const line = JSON.stringify({ level, scope: "git", message, ...fields });
  process.stderr.write(`${line}\n`);
}

/** One JSON line per entry on stderr. */
export const stderrLogger: GitLogger = {
  info: (message, fields) => write("info", message, fields),
  warn: (message, fields) => write("warn", message, fields),
};

export const silentLogger: GitLogger = {
  info: () => undefined,
  warn: () => undefined,
};

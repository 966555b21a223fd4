import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * Wharf reads its database one way: SQL query functions whose rows are parsed with zod (see
 * "Reading the database" in docs/architecture.md). No process loads the Prisma client, and none
 * is generated. Prisma's schema engine stays, as a dev dependency of @wharf/db, for
 * schema-drift.test.ts only; these checks keep it there.
 */

const ROOT = path.resolve(import.meta.dirname, "../../..");
const HELP = "Read and write the database with SQL query functions (packages/api/src/queries), not Prisma; see docs/architecture.md.";

/** What the drift test may use, and where. */
const SCHEMA_TOOLING = new Set(["@prisma/schema-engine-wasm", "@prisma/adapter-pg", "@prisma/driver-adapter-utils"]);
const SCHEMA_TOOLING_FILE = "packages/db/src/schema-sql.ts";
const SCHEMA_TOOLING_MANIFEST = "packages/db/package.json";

/** Prisma's client, CLI, engines and generated code, as a package name or an import specifier. */
const PRISMA = /^(@prisma\/[^/]+|prisma|\.prisma)(\/|$)|(^|\/)generated\/prisma(\/|$)/;
const packageOf = (specifier: string) => specifier.split("/").slice(0, specifier.startsWith("@") ? 2 : 1).join("/");

// Every quoted string that could be a module specifier: import/export … from, import(), require(),
// vi.mock() alike. Stricter than the import forms alone, and Prisma's names are not ordinary words.
const QUOTED = /["'`]([^"'`\s]+)["'`]/g;

/** The Prisma specifiers `source` names, minus those `file` may use. */
function prismaSpecifiers(source: string, file: string): string[] {
  const found: string[] = [];
  for (const [, specifier] of source.matchAll(QUOTED)) {
    if (specifier === undefined || !PRISMA.test(specifier)) continue;
    if (file === SCHEMA_TOOLING_FILE && SCHEMA_TOOLING.has(packageOf(specifier))) continue;
    found.push(specifier);
  }
  return found;
}

/** The Prisma packages a package.json depends on or runs, minus the drift test's in @wharf/db. */
function prismaInManifest(manifest: Record<string, unknown>, file: string): string[] {
  const found: string[] = [];
  for (const field of ["dependencies", "devDependencies", "peerDependencies", "optionalDependencies"]) {
    const deps = (manifest[field] ?? {}) as Record<string, string>;
    for (const name of Object.keys(deps)) {
      if (!PRISMA.test(name)) continue;
      if (file === SCHEMA_TOOLING_MANIFEST && field === "devDependencies" && SCHEMA_TOOLING.has(name)) continue;
      found.push(`${field}: ${name}`);
    }
  }
  for (const [name, script] of Object.entries((manifest.scripts ?? {}) as Record<string, string>)) {
    if (/\bprisma\b|generate\.mjs/.test(script)) found.push(`script ${name}: ${script}`);
  }
  return found;
}

function trackedFiles(): string[] {
  const listed = execFileSync("git", ["ls-files", "-co", "--exclude-standard", "-z"], { cwd: ROOT, encoding: "utf8" });
  return listed.split("\0").filter(Boolean);
}

function read(rel: string): string | null {
  try {
    return readFileSync(path.join(ROOT, rel), "utf8");
  } catch {
    return null; // listed but deleted in the work tree
  }
}

describe("no Prisma client", () => {
  const files = trackedFiles();

  it("is imported by any source file", () => {
    const self = path.relative(ROOT, import.meta.filename);
    const offenders: string[] = [];
    for (const rel of files) {
      if (rel === self || !/\.(ts|tsx|mts|cts|js|jsx|mjs|cjs)$/.test(rel)) continue;
      const source = read(rel);
      if (source === null) continue;
      for (const specifier of prismaSpecifiers(source, rel)) offenders.push(`${rel} names ${specifier}`);
    }
    expect(offenders, HELP).toEqual([]);
  });

  it("is a dependency of any workspace package, a catalog entry or a build to allow", () => {
    const offenders: string[] = [];
    for (const rel of files.filter((f) => f === "package.json" || f.endsWith("/package.json"))) {
      const source = read(rel);
      if (source === null) continue;
      for (const found of prismaInManifest(JSON.parse(source) as Record<string, unknown>, rel)) offenders.push(`${rel} ${found}`);
    }
    const workspace = read("pnpm-workspace.yaml") ?? "";
    for (const line of workspace.split("\n")) {
      const name = /^\s+["']?([^"':\s]+)["']?\s*:/.exec(line)?.[1];
      if (name && PRISMA.test(name) && !SCHEMA_TOOLING.has(name)) offenders.push(`pnpm-workspace.yaml: ${line.trim()}`);
    }
    expect(offenders, HELP).toEqual([]);
  });

  it("is generated from a Prisma schema", () => {
    const offenders: string[] = [];
    for (const rel of files.filter((f) => f.endsWith(".prisma"))) {
      const source = read(rel) ?? "";
      for (const block of source.matchAll(/^generator\s+(\w+)\s*\{([^}]*)\}/gm)) {
        const [, name, body = ""] = block;
        if (/provider\s*=\s*"prisma-client(-js)?"|\boutput\s*=/.test(body)) offenders.push(`${rel}: generator ${name} generates a client`);
      }
    }
    expect(offenders, HELP).toEqual([]);
  });

  it("is found in every form of import, and in every manifest field", () => {
    const source = [
      `import { PrismaClient } from "@prisma/client";`,
      `import type { Prisma } from "@prisma/client/runtime/library";`,
      `import "@prisma/adapter-pg";`,
      `export { x } from '../../../packages/db/src/generated/prisma/client';`,
      `const m = await import("@prisma/client");`,
      "const r = require(`.prisma/client/default`);",
      `vi.mock("prisma");`,
      `import {\n  SchemaEngine,\n} from "@prisma/schema-engine-wasm";`,
      `import pg from "pg";`,
      `const name = "schema.prisma";`,
      `import { readEvents } from "@wharf/db/pg";`,
    ].join("\n");
    const everywhere = [
      "@prisma/client",
      "@prisma/client/runtime/library",
      "@prisma/adapter-pg",
      "../../../packages/db/src/generated/prisma/client",
      "@prisma/client",
      ".prisma/client/default",
      "prisma",
      "@prisma/schema-engine-wasm",
    ];
    expect(prismaSpecifiers(source, "apps/web/src/x.ts")).toEqual(everywhere);
    // The drift test's schema tooling may use the engine and its adapter, and nothing else.
    expect(prismaSpecifiers(source, SCHEMA_TOOLING_FILE)).toEqual(everywhere.filter((s) => !SCHEMA_TOOLING.has(packageOf(s))));
    expect(prismaInManifest({ dependencies: { "@prisma/client": "7", pg: "8" }, devDependencies: { prisma: "7", "@prisma/adapter-pg": "7" }, scripts: { postinstall: "prisma generate" } }, "apps/web/package.json")).toEqual([
      "dependencies: @prisma/client",
      "devDependencies: prisma",
      "devDependencies: @prisma/adapter-pg",
      "script postinstall: prisma generate",
    ]);
    expect(prismaInManifest({ dependencies: { "@prisma/adapter-pg": "7" }, devDependencies: { "@prisma/schema-engine-wasm": "7" } }, SCHEMA_TOOLING_MANIFEST)).toEqual(["dependencies: @prisma/adapter-pg"]);
  });
});

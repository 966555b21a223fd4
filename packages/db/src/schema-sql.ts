import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { PrismaPg } from "@prisma/adapter-pg";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import pg from "pg";
import { quietLogger } from "./logger";

type EngineModule = typeof import("@prisma/schema-engine-wasm/schema_engine_bg");
// The ES2024 lib has no WebAssembly declarations; Node has the global.
declare const WebAssembly: {
  instantiate(bytes: Uint8Array, imports: Record<string, unknown>): Promise<{ instance: { exports: Record<string, unknown> } }>;
};

let engineModule: Promise<EngineModule> | null = null;

/** Loads Prisma's schema engine (WebAssembly) without relying on WebAssembly ES module support. */
function loadEngine(): Promise<EngineModule> {
  engineModule ??= (async () => {
    const glue = createRequire(import.meta.url).resolve("@prisma/schema-engine-wasm/schema_engine_bg");
    const bindings = (await import(pathToFileURL(glue).href)) as EngineModule;
    const bytes = await readFile(path.join(path.dirname(glue), "schema_engine_bg.wasm"));
    const { instance } = await WebAssembly.instantiate(bytes, { "./schema_engine_bg.js": bindings });
    bindings.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as (() => void) | undefined)?.();
    return bindings;
  })();
  return engineModule;
}

/**
 * The SQL Prisma would write to create `schema` in an empty PostgreSQL database (what
 * `prisma migrate diff --from-empty --to-schema --script` prints). The engine insists on a
 * connection, so it is given one to `url`, which it does not change.
 */
export async function prismaSchemaSql(schema: string, url: string): Promise<string> {
  const { SchemaEngine } = await loadEngine();
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on("error", (error) => quietLogger.error("idle schema engine connection failed", { error: error.message }));
  try {
    const adapter = bindMigrationAwareSqlAdapterFactory(new PrismaPg(pool));
    const engine = await SchemaEngine.new({ datamodels: [["schema.prisma", schema]] }, () => undefined, adapter);
    try {
      const result = await engine.diff({
        from: { tag: "empty" },
        to: { tag: "schemaDatamodel", files: [{ path: "schema.prisma", content: schema }] },
        script: true,
        exitCode: null,
        filters: { externalTables: [], externalEnums: [] },
      });
      if (result.stdout === null) throw new Error("Prisma's schema engine returned no SQL");
      return result.stdout;
    } finally {
      engine.free();
    }
  } finally {
    await pool.end();
  }
}

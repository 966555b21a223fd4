import { readFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { diffCatalogs, snapshotCatalog, type CatalogSnapshot } from "./catalog-snapshot";
import { prismaSchemaSql } from "./schema-sql";
import { createEmptyTestDatabase, createTestDatabase, type TestDatabase } from "./testing";

const SCHEMA = path.resolve(import.meta.dirname, "../prisma/schema.prisma");

const databases: TestDatabase[] = [];
let migrated: CatalogSnapshot;
beforeAll(async () => {
  const db = await createTestDatabase();
  databases.push(db);
  migrated = await snapshotCatalog(db.url, ["wharf_migrations"]);
});
afterAll(async () => {
  await Promise.all(databases.map((db) => db.drop()));
});

/** Creates `schema` the way Prisma would, in a fresh database, and reads its catalog. */
async function catalogOf(schema: string): Promise<{ sql: string; catalog: CatalogSnapshot }> {
  const db = await createEmptyTestDatabase();
  databases.push(db);
  const sql = await prismaSchemaSql(schema, db.url);
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
  return { sql, catalog: await snapshotCatalog(db.url) };
}

const names = { expected: "schema.prisma", actual: "migrations" };

it("schema.prisma and the SQL migrations describe the same database", async () => {
  const { sql, catalog } = await catalogOf(await readFile(SCHEMA, "utf8"));
  expect(catalog.size).toBeGreaterThan(50);
  const differences = diffCatalogs(catalog, migrated, names);
  const message =
    `schema.prisma and migrations/*.sql disagree. Write a new migration that makes the database match ` +
    `schema.prisma (or fix schema.prisma):\n  ${differences.join("\n  ")}\n` +
    `Prisma would create the schema with:\n${sql}`;
  expect(differences, message).toEqual([]);
});

it("notices columns, types, nullability, defaults, enum values, indexes and foreign keys that differ", async () => {
  const original = await readFile(SCHEMA, "utf8");
  const edits: Array<[string | RegExp, string]> = [
    ["  summary       String?", "  summary       String?\n  extra         String"],
    [/ builtin(\s+)Boolean(\s+)@default\(false\)/, " builtin$1Boolean$2@default(true)"],
    ["  attempt       Int ", "  attempt       BigInt "],
    ["  model         String?", "  model         String"],
    ["  cancelled\n}", "  cancelled\n  paused\n}"],
    ["  @@index([state, updatedAt])\n", ""],
    ["onDelete: Restrict", "onDelete: Cascade"],
  ];
  let schema = original;
  for (const [from, to] of edits) {
    const next = schema.replace(from, to);
    expect(next, `schema.prisma no longer contains ${String(from)}`).not.toBe(schema);
    schema = next;
  }
  const { catalog } = await catalogOf(schema);
  const differences = diffCatalogs(catalog, migrated, names).join("\n");
  expect(differences).toContain("column task.extra: only in schema.prisma");
  expect(differences).toMatch(/column agent\.builtin:\n.*DEFAULT true\n.*DEFAULT false/);
  expect(differences).toMatch(/column task\.attempt:\n.*bigint NOT NULL/);
  expect(differences).toMatch(/column task\.model:\n.*text NOT NULL\n.*text NULL/);
  expect(differences).toMatch(/enum TaskState:\n.*'paused'/);
  expect(differences).toContain("index task.task_state_updated_at_idx: only in migrations");
  expect(differences).toMatch(/constraint task\.task_agent_id_fkey:\n.*ON DELETE CASCADE\n.*ON DELETE RESTRICT/);
});

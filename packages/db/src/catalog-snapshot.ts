import pg from "pg";
import { z } from "zod";

/** A database's `public` schema as comparable lines: key (what) → description (how). */
export type CatalogSnapshot = Map<string, string>;

/** Every catalog query names one object (`key`) and describes it (`value`). */
const catalogRow = z.object({ key: z.string(), value: z.string() });

const QUERIES: Array<{ kind: string; sql: string }> = [
  {
    kind: "enum",
    sql: `SELECT t.typname AS key, string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder) AS value
          FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
          WHERE n.nspname = 'public' GROUP BY t.typname`,
  },
  {
    kind: "table",
    sql: `SELECT c.relname AS key, c.relkind::text AS value
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')`,
  },
  {
    kind: "column",
    sql: `SELECT c.relname || '.' || a.attname AS key,
                 format_type(a.atttypid, a.atttypmod)
                   || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE ' NULL' END
                   || COALESCE(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '')
                   || CASE WHEN a.attidentity <> '' THEN ' IDENTITY ' || a.attidentity::text ELSE '' END
                   || CASE WHEN a.attgenerated <> '' THEN ' GENERATED' ELSE '' END AS value
          FROM pg_attribute a
          JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
          LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
          WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped`,
  },
  {
    kind: "constraint",
    sql: `SELECT c.relname || '.' || k.conname AS key, pg_get_constraintdef(k.oid) AS value
          FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public'`,
  },
  {
    kind: "index",
    sql: `SELECT tablename || '.' || indexname AS key, replace(indexdef, ' public.', ' ') AS value
          FROM pg_indexes WHERE schemaname = 'public'`,
  },
];

/** Reads enums, tables, columns, constraints and indexes of the `public` schema, leaving out `exclude`d tables. */
export async function snapshotCatalog(url: string, exclude: readonly string[] = []): Promise<CatalogSnapshot> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const snapshot: CatalogSnapshot = new Map();
    for (const { kind, sql } of QUERIES) {
      const { rows } = await client.query(sql);
      for (const row of z.array(catalogRow).parse(rows)) {
        const table = row.key.split(".")[0] ?? "";
        if (kind !== "enum" && exclude.includes(table)) continue;
        snapshot.set(`${kind} ${row.key}`, row.value);
      }
    }
    return snapshot;
  } finally {
    await client.end();
  }
}

/** Human-readable differences between two snapshots; empty when they agree. */
export function diffCatalogs(
  expected: CatalogSnapshot,
  actual: CatalogSnapshot,
  names: { expected: string; actual: string },
): string[] {
  const lines: string[] = [];
  const keys = [...new Set([...expected.keys(), ...actual.keys()])].sort();
  for (const key of keys) {
    const a = expected.get(key);
    const b = actual.get(key);
    if (a === b) continue;
    if (b === undefined) lines.push(`${key}: only in ${names.expected} (${a})`);
    else if (a === undefined) lines.push(`${key}: only in ${names.actual} (${b})`);
    else lines.push(`${key}:\n    ${names.expected}: ${a}\n    ${names.actual}: ${b}`);
  }
  return lines;
}

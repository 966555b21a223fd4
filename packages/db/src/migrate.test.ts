import { appendFile, cp, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { migrate, MIGRATIONS_DIR, MigrationChecksumError, MigrationFailedError } from "./migrate";
import { createTestDatabase, createEmptyTestDatabase, type TestDatabase } from "./testing";

async function tables(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
    );
    return rows.map((row) => row.table_name);
  } finally {
    await client.end();
  }
}

/** The migrations Wharf ships; the tests add theirs after the last one (9xxx), whatever it is. */
const shipped = (await readdir(MIGRATIONS_DIR)).filter((name) => name.endsWith(".sql")).sort();

describe("migrate", () => {
  let db: TestDatabase;
  let dir: string;
  beforeEach(async () => {
    db = await createEmptyTestDatabase();
    dir = await mkdtemp(path.join(os.tmpdir(), "wharf-migrations-"));
    await cp(MIGRATIONS_DIR, dir, { recursive: true });
  });
  afterEach(async () => {
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it("applies every migration once, then nothing", async () => {
    const first = await migrate(db.url, undefined, { dir });
    expect(first.applied).toContain("0001_init.sql");
    expect(await tables(db.url)).toEqual(expect.arrayContaining(["task", "task_event", "wharf_migrations"]));
    expect((await migrate(db.url, undefined, { dir })).applied).toEqual([]);
  });

  it("lets concurrent callers apply each migration exactly once", async () => {
    await writeFile(path.join(dir, "9001_extra.sql"), "CREATE TABLE extra (id int PRIMARY KEY);");
    const results = await Promise.all(Array.from({ length: 5 }, () => migrate(db.url, undefined, { dir })));
    const applied = results.flatMap((result) => result.applied).sort();
    expect(applied).toEqual([...shipped, "9001_extra.sql"]);
  });

  it("refuses to run when an applied migration was edited", async () => {
    await migrate(db.url, undefined, { dir });
    await appendFile(path.join(dir, "0001_init.sql"), "\n-- edited\n");
    const error = await migrate(db.url, undefined, { dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationChecksumError);
    expect((error as MigrationChecksumError).file).toBe("0001_init.sql");
    expect((error as Error).message).toMatch(/edited/);
  });

  it("rolls a failing migration back and records nothing for it", async () => {
    await writeFile(path.join(dir, "9001_broken.sql"), "CREATE TABLE half (id int); SELECT * FROM missing_table;");
    await expect(migrate(db.url, undefined, { dir })).rejects.toBeInstanceOf(MigrationFailedError);
    expect(await tables(db.url)).not.toContain("half");
    await writeFile(path.join(dir, "9001_broken.sql"), "CREATE TABLE half (id int);");
    expect((await migrate(db.url, undefined, { dir })).applied).toEqual(["9001_broken.sql"]);
  });
});

describe("createTestDatabase", () => {
  const created: TestDatabase[] = [];
  afterAll(async () => {
    for (const db of created) await db.drop();
  });

  it("gives each caller its own migrated database", async () => {
    const [a, b] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    created.push(a, b);
    expect(a.url).not.toBe(b.url);
    expect(await tables(a.url)).toContain("task_event");
    expect((await migrate(a.url)).applied).toEqual([]);
  });
});

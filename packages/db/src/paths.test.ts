import { mkdtemp, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { wharfHome } from "./paths";
import { resolveDatabase } from "./resolve-database";

const root = await mkdtemp(path.join(os.tmpdir(), "wharf-home-"));
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

it("uses WHARF_HOME, else XDG_DATA_HOME/wharf, else ~/.local/share/wharf, created for its owner only", async () => {
  const home = wharfHome({ WHARF_HOME: path.join(root, "explicit") });
  expect(home).toBe(path.join(root, "explicit"));
  expect((await stat(home)).mode & 0o777).toBe(0o700);
  expect(wharfHome({ XDG_DATA_HOME: path.join(root, "xdg") })).toBe(path.join(root, "xdg", "wharf"));
  expect(wharfHome({ HOME: path.join(root, "user") })).toBe(path.join(root, "user", ".local", "share", "wharf"));
});

it("resolves DATABASE_URL as it is, without starting anything", async () => {
  const db = await resolveDatabase({ DATABASE_URL: "postgres://example.invalid/wharf" });
  expect(db).toMatchObject({ url: "postgres://example.invalid/wharf", embedded: false });
  await db.stop();
});

it("otherwise starts the embedded server in WHARF_HOME/postgres", async () => {
  const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const db = await resolveDatabase({ WHARF_HOME: path.join(root, "home") }, { log: silent });
  try {
    expect(db.embedded).toBe(true);
    expect(db.url).toMatch(/^postgres:\/\/postgres:[^@]+@127\.0\.0\.1:\d+\/wharf$/);
    expect((await stat(path.join(root, "home", "postgres", "PG_VERSION"))).isFile()).toBe(true);
  } finally {
    await db.stop();
  }
});

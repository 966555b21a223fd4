import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { once } from "node:events";
import pg from "pg";
import { afterAll, afterEach, expect, it } from "vitest";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "./embedded";
import { PgListener } from "./listener";
import type { Logger } from "./logger";
import { freePort } from "./ports";
import { EmbeddedPostgresInUseError } from "./postmaster";

const silent: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
const dirs: string[] = [];
const servers: EmbeddedPostgres[] = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "wharf-embedded-"));
  dirs.push(dir);
  return path.join(dir, "postgres");
}

async function start(dataDir: string, port?: number): Promise<EmbeddedPostgres> {
  const server = await startEmbeddedPostgres({ dataDir, ...(port ? { port } : {}), fastInit: true, log: silent });
  servers.push(server);
  return server;
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

it("keeps data across stop and start, on the preferred port when it is free", async () => {
  const dataDir = await tempDir();
  const port = await freePort();
  const first = await start(dataDir, port);
  expect(first.port).toBe(port);
  expect(first.url).toMatch(new RegExp(`@127\\.0\\.0\\.1:${port}/wharf$`));
  await query(first.url, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')");
  await first.stop();

  const second = await start(dataDir, port);
  expect(await query(second.url, "SELECT v FROM kept")).toEqual([{ v: "still here" }]);
  expect(await query(second.url, "SHOW listen_addresses")).toEqual([{ listen_addresses: "127.0.0.1" }]);
});

it("falls back to a free port when the preferred one is taken", async () => {
  const taken = await start(await tempDir());
  const other = await start(await tempDir(), taken.port);
  expect(other.port).not.toBe(taken.port);
  expect(await query(other.url, "SELECT 1 AS ok")).toEqual([{ ok: 1 }]);
});

it("starts despite a stale postmaster.pid naming a dead process, an unrelated one, or another server", async () => {
  const dataDir = await tempDir();
  const server = await start(dataDir);
  await query(server.url, "CREATE TABLE kept (v int); INSERT INTO kept VALUES (7)");
  await server.stop();
  const unrelated = spawn("sleep", ["30"]);
  children.push(unrelated);
  const otherDir = await tempDir();
  const other = await start(otherDir);
  const otherPid = Number((await readFile(path.join(otherDir, "postmaster.pid"), "utf8")).split("\n")[0]);
  for (const pid of [unrelated.pid!, 4_000_000, otherPid]) {
    await writeFile(path.join(dataDir, "postmaster.pid"), `${pid}\n${dataDir}\n1700000000\n${server.port}\n\n127.0.0.1\n  1  2\nready\n`);
    const again = await start(dataDir);
    expect(await query(again.url, "SELECT v FROM kept")).toEqual([{ v: 7 }]);
    await again.stop();
  }
  expect(await query(other.url, "SELECT 1 AS alive")).toEqual([{ alive: 1 }]);
});

it("refuses a data directory a live program runs, and takes over the server once that program died", async () => {
  const dataDir = await tempDir();
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "embedded-child.test-helper.ts"), dataDir, String(port)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  const [line] = (await once(child.stdout, "data")) as [Buffer];
  const url = line.toString().trim();
  await query(url, "CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)");

  const error = await startEmbeddedPostgres({ dataDir, log: silent }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(EmbeddedPostgresInUseError);

  child.kill("SIGKILL"); // its PostgreSQL server lives on, orphaned
  await once(child, "exit");
  const server = await start(dataDir, port);
  expect(await query(server.url, "SELECT v FROM kept")).toEqual([{ v: 42 }]);
});

it("lets a listener ride out a server restart", async () => {
  const dataDir = await tempDir();
  const server = await start(dataDir);
  const errors: string[] = [];
  const listener = new PgListener(server.url, {
    log: silent,
    minBackoffMs: 20,
    maxBackoffMs: 100,
  });
  listener.onError((error) => errors.push(error.message));
  const { promise: reconnected, resolve } = Promise.withResolvers<void>();
  listener.onReconnect(resolve);
  const { promise: received, resolve: receive } = Promise.withResolvers<string>();
  listener.listen("restart", receive);
  await listener.start();
  try {
    await server.stop();
    servers.splice(servers.indexOf(server), 1);
    const restarted = await start(dataDir, server.port);
    expect(restarted.port).toBe(server.port);
    await reconnected;
    expect(errors.some((message) => message.startsWith("connection lost"))).toBe(true);
    await query(restarted.url, "SELECT pg_notify('restart', 'back')");
    expect(await received).toBe("back");
  } finally {
    await listener.close();
  }
});

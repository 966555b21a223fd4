import net from "node:net";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isConnectionError } from "./connection-error";
import { createTestDatabase, type TestDatabase } from "./testing";

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

/** A local port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("isConnectionError", () => {
  it("is true for a server that refuses connections", async () => {
    const client = new pg.Client({ connectionString: `postgres://nobody@127.0.0.1:${await closedPort()}/none` });
    const error = await client.connect().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect(isConnectionError(error)).toBe(true);
  });

  it("is true when the server ends the session (pg_terminate_backend)", async () => {
    const victim = new pg.Client({ connectionString: db.url });
    // The ended session also reports itself as an event; the query's rejection is what is tested.
    const sessionErrors: unknown[] = [];
    victim.on("error", (error) => sessionErrors.push(error));
    await victim.connect();
    const pid = (await victim.query<{ pid: number }>("select pg_backend_pid() as pid")).rows[0]!.pid;
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      const pending = victim.query("select pg_sleep(30)").then(
        () => null,
        (e: unknown) => e,
      );
      await admin.query("select pg_terminate_backend($1)", [pid]);
      expect(isConnectionError(await pending)).toBe(true);
    } finally {
      await admin.end();
      await victim.end().catch((error: unknown) => console.info("closing the ended session:", String(error)));
    }
  });

  it("is true for the codes and messages of a lost or starting server", () => {
    for (const code of ["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "08006", "08001", "57P01", "57P02", "57P03"]) {
      expect(isConnectionError(withCode("x", code)), code).toBe(true);
    }
    for (const message of [
      "Connection terminated unexpectedly",
      "Client has encountered a connection error and is not queryable",
      "terminating connection due to administrator command",
      "the database system is starting up",
      "the database system is shutting down",
      "connect ECONNREFUSED 127.0.0.1:5432",
    ]) {
      expect(isConnectionError(new Error(message)), message).toBe(true);
    }
  });

  it("is false for a statement that fails on its own, and for non-errors", async () => {
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    try {
      const syntax = await pool.query("selec 1").then(
        () => null,
        (e: unknown) => e,
      );
      expect(syntax).toBeInstanceOf(Error);
      expect(isConnectionError(syntax)).toBe(false);
      const missing = await pool.query("select * from no_such_table").then(
        () => null,
        (e: unknown) => e,
      );
      expect(isConnectionError(missing)).toBe(false);
    } finally {
      await pool.end();
    }
    expect(isConnectionError(withCode("duplicate key value violates unique constraint", "23505"))).toBe(false);
    expect(isConnectionError("Connection terminated")).toBe(false);
    expect(isConnectionError(null)).toBe(false);
  });
});

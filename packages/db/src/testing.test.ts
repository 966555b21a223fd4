import pg from "pg";
import { expect, it } from "vitest";
import { createTestDatabase } from "./testing";

it("drops a database without cutting off the connections a pool is still closing", async () => {
  // pool.end() resolves before its connections are closed; dropping WITH (FORCE) right then
  // terminates them, which node-postgres reports as an 'error' on the pool.
  const errors: string[] = [];
  for (let round = 0; round < 10; round++) {
    const db = await createTestDatabase();
    const pool = new pg.Pool({ connectionString: db.url, max: 12 });
    pool.on("error", (error) => errors.push(`round ${round}: ${error.message}`));
    let open = 0;
    pool.on("connect", () => open++);
    const closed = new Promise<void>((resolve) => pool.on("remove", () => --open === 0 && resolve()));
    await Promise.all(Array.from({ length: 12 }, () => pool.query("SELECT pg_sleep(0.01)")));
    await pool.end();
    await db.drop();
    // 'remove' follows each connection's close, after any error the server sent it.
    await closed;
  }
  expect(errors).toEqual([]);
});

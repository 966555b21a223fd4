import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@wharf/db/testing";
import { createTestRepo } from "@wharf/git/testing";
import { appRouter } from "../root";
import { createServices, type Services } from "../services";
import { createCallerFactory, createTRPCContext } from "../trpc";

const TOKEN = "wharf_api_test_token_0123456789abcdefghij";
let db: TestDatabase;
let services: Services;
const api = () => createCallerFactory(appRouter)(createTRPCContext({ services, headers: new Headers({ authorization: `Bearer ${TOKEN}` }), accessToken: TOKEN }));

beforeAll(async () => {
  db = await createTestDatabase();
  services = await createServices({ databaseUrl: db.url, poolSize: 2 });
});
afterAll(async () => {
  await services?.close();
  await db?.drop();
});

describe("project.update", () => {
  it("sets, keeps and clears the project's fleet-wide cap, and refuses one below 1 saying so", async () => {
    const created = await api().project.create({ path: (await createTestRepo()).path });
    expect(created.maxRunning).toBeNull();
    expect((await api().project.update({ id: created.id, maxRunning: 2 })).maxRunning).toBe(2);
    // Other settings leave it alone.
    expect((await api().project.update({ id: created.id, setupScript: "true" })).maxRunning).toBe(2);
    await expect(api().project.update({ id: created.id, maxRunning: 0 })).rejects.toThrow(/at least 1; send null for no cap/);
    await expect(api().project.update({ id: created.id, maxRunning: 1.5 })).rejects.toThrow(/whole number/);
    expect((await api().project.get({ id: created.id })).maxRunning).toBe(2);
    expect((await api().project.update({ id: created.id, maxRunning: null })).maxRunning).toBeNull();
  });

  it("sets the workspace settings given and leaves the others as they were", async () => {
    const created = await api().project.create({ path: (await createTestRepo()).path });
    expect(created).toMatchObject({ setupScript: null, teardownScript: null, copyFiles: [], services: [], setupTimeoutSeconds: 600 });

    const updated = await api().project.update({
      id: created.id,
      setupScript: "npm ci\n",
      copyFiles: [".env", "config/*.key"],
      services: [{ name: "web", command: "npm run dev -- --port $PORT" }, { name: "db", command: "postgres -p $PORT", ports: 2 }],
    });
    expect(updated).toMatchObject({
      name: created.name,
      setupScript: "npm ci\n",
      teardownScript: null,
      copyFiles: [".env", "config/*.key"],
      services: [
        { name: "web", command: "npm run dev -- --port $PORT", ports: 1 },
        { name: "db", command: "postgres -p $PORT", ports: 2 },
      ],
      setupTimeoutSeconds: 600,
    });

    const again = await api().project.update({ id: created.id, teardownScript: "docker compose down", setupTimeoutSeconds: 30 });
    expect(again).toMatchObject({ setupScript: "npm ci\n", teardownScript: "docker compose down", copyFiles: [".env", "config/*.key"], setupTimeoutSeconds: 30 });
    expect(again.services).toHaveLength(2);

    // A blank script is cleared, like null.
    const cleared = await api().project.update({ id: created.id, setupScript: "  \n", teardownScript: null, services: [] });
    expect(cleared).toMatchObject({ setupScript: null, teardownScript: null, services: [] });
    expect(await api().project.get({ id: created.id })).toEqual(cleared);
  });

  it("refuses bad settings with a message that says what to change, and changes nothing", async () => {
    const created = await api().project.create({ path: (await createTestRepo()).path });
    const refused: Array<[Record<string, unknown>, RegExp]> = [
      [{ copyFiles: ["/etc/passwd"] }, /relative to the project's checkout/],
      [{ copyFiles: ["../other/.env"] }, /may not leave the project's checkout/],
      [{ copyFiles: [".git/config"] }, /inside \.git/],
      [{ services: [{ name: "1web", command: "x" }] }, /starts with a letter/],
      [{ services: [{ name: "web", command: " " }] }, /command that starts the service/],
      [{ services: [{ name: "web-ui", command: "a" }, { name: "WEB_UI", command: "b" }] }, /same name/],
      [{ setupScript: "x".repeat(64 * 1024 + 1) }, /at most 64 KiB/],
      [{ setupTimeoutSeconds: 0 }, /at least 1 second/],
      [{ name: "" }, /may not be empty/],
    ];
    for (const [patch, message] of refused) {
      await expect(api().project.update({ id: created.id, ...patch }), JSON.stringify(patch).slice(0, 80)).rejects.toMatchObject({
        code: "BAD_REQUEST",
        message: expect.stringMatching(message),
      });
    }
    expect(await api().project.get({ id: created.id })).toEqual(created);
    await expect(api().project.update({ id: "00000000-0000-4000-8000-000000000000", setupScript: "x" })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});

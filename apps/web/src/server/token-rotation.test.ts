import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createTRPCClient, TRPCClientError } from "@trpc/client";
import { createServices, ensureAccessToken, readAccessToken, rotateAccessToken, tokenPath, type AppRouter, type Services } from "@wharf/api";
import { createTestDatabase, type TestDatabase } from "@wharf/db/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { wharfLinks } from "~/trpc/links";
import { serveFetch, type ServedHandler } from "./serve-fetch";
import { createTRPCHandler } from "./trpc-handler";

let db: TestDatabase;
let services: Services;
let served: ServedHandler;
let origin: string;
let url: string;
let home: string;
// session.ts reads WHARF_HOME through env(): point it at this test's home before its first use.
let session: typeof import("./session");

beforeAll(async () => {
  db = await createTestDatabase();
  services = await createServices({ databaseUrl: db.url, poolSize: 4 });
  home = mkdtempSync(path.join(os.tmpdir(), "wharf-rotate-"));
  process.env.WHARF_HOME = home;
  process.env.DATABASE_URL = db.url;
  session = await import("./session");
  ensureAccessToken(home);
  // The handler the web's route uses, wired to this home the same way.
  const handler = createTRPCHandler({
    services: async () => services,
    accessToken: () => readAccessToken(home),
    rotateToken: () => rotateAccessToken(home),
  });
  served = await serveFetch(handler);
  origin = served.origin;
  url = `${origin}/api/trpc`;
});
afterAll(async () => {
  await served?.close();
  await services?.close();
  await db?.drop();
  if (home) rmSync(home, { recursive: true, force: true });
});

const client = (token: string) => createTRPCClient<AppRouter>({ links: wharfLinks({ url, token }) });
const cookieHeaders = (token: string) => new Headers({ cookie: `wharf_session=${encodeURIComponent(token)}`, host: new URL(origin).host });

/** GET health.check signed in by the session cookie only, as a browser page would. */
async function cookieQuery(token: string): Promise<number> {
  const response = await fetch(`${url}/health.check`, { headers: cookieHeaders(token) });
  await response.body?.cancel();
  return response.status;
}

it("rotates the token: the old one and its browser sessions stop working, the new one works, open streams end", async () => {
  const old = readAccessToken(home);
  await expect(client(old).health.check.query()).resolves.toMatchObject({ ok: true });
  expect(session.hasSession(cookieHeaders(old))).toBe(true);
  expect(await cookieQuery(old)).toBe(200);

  // A stream opened with the old token.
  const started = Promise.withResolvers<void>();
  const ended = Promise.withResolvers<unknown>();
  const stream = client(old).board.changes.subscribe(undefined, { onStarted: () => started.resolve(), onError: ended.resolve, onData: () => {} });
  await started.promise;
  await expect.poll(() => services.live.counts().boardWatchers).toBe(1);

  // A browser signed in by cookie cannot rotate from another site.
  const crossSite = await fetch(`${url}/auth.rotateToken`, {
    method: "POST",
    headers: { ...Object.fromEntries(cookieHeaders(old)), origin: "http://evil.example", "content-type": "application/json" },
    body: "{}",
  });
  expect(crossSite.status).toBe(403);
  expect(readAccessToken(home)).toBe(old);

  const { token } = await client(old).auth.rotateToken.mutate();
  expect(token).toMatch(/^wharf_[A-Za-z0-9_-]{32}$/);
  expect(token).not.toBe(old);
  expect(readFileSync(tokenPath(home), "utf8").trim()).toBe(token);
  expect(statSync(tokenPath(home)).mode & 0o777).toBe(0o600);

  // The old token: refused as a bearer, as a session cookie (API and pages), and by sign-in.
  const refused = await client(old).health.check.query().catch((error: unknown) => error);
  expect(refused).toBeInstanceOf(TRPCClientError);
  expect((refused as TRPCClientError<AppRouter>).data?.code).toBe("UNAUTHORIZED");
  expect(await cookieQuery(old)).toBe(401);
  expect(session.hasSession(cookieHeaders(old))).toBe(false);
  await expect(client(old).auth.rotateToken.mutate()).rejects.toMatchObject({ data: { code: "UNAUTHORIZED" } });

  // The stream opened with the old token was ended and cannot come back with it.
  await expect(ended.promise).resolves.toMatchObject({ data: { code: "UNAUTHORIZED" } });
  stream.unsubscribe();
  await expect.poll(() => services.live.counts().boardWatchers).toBe(0);

  // The new token works everywhere.
  await expect(client(token).health.check.query()).resolves.toMatchObject({ ok: true });
  expect(await cookieQuery(token)).toBe(200);
  expect(session.hasSession(cookieHeaders(token))).toBe(true);
  const login = await session.login(
    new Request(`${origin}/api/auth/login`, {
      method: "POST",
      headers: { origin, host: new URL(origin).host, "content-type": "application/json" },
      body: JSON.stringify({ token: old }),
    }),
  );
  expect(login.status).toBe(401);
});

it("refuses input to auth.rotateToken and leaves the token alone", async () => {
  const before = readAccessToken(home);
  const response = await fetch(`${url}/auth.rotateToken`, {
    method: "POST",
    headers: { authorization: `Bearer ${before}`, "content-type": "application/json" },
    body: JSON.stringify({ json: { token: "mine" } }),
  });
  expect(response.status).toBe(400);
  expect(readAccessToken(home)).toBe(before);
});

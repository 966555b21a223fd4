import path from "node:path";
import { expect, it } from "vitest";
import { isPrismaModule, modulesLoadedBy } from "@wharf/db/testing";

it("the runner's entry loads no Prisma", async () => {
  // With an empty DATABASE_URL, main.ts loads everything, refuses its environment and exits with 2.
  const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", DATABASE_URL: "" };
  const { modules, code, stderr } = await modulesLoadedBy(path.join(import.meta.dirname, "main.ts"), { env });
  expect(stderr).toContain("DATABASE_URL is required");
  expect(code).toBe(2);
  expect(modules.some((m) => m.endsWith("/apps/runner/src/runner.ts")), "the trace does not contain runner.ts").toBe(true);
  expect(modules.filter(isPrismaModule), "the runner loads the Prisma client").toEqual([]);
});

import path from "node:path";
import { expect, it } from "vitest";
import { isPrismaModule, modulesLoadedBy } from "@wharf/db/testing";

const SRC = import.meta.dirname;

it("the root router and the modules the runner imports load no Prisma", async () => {
  // root.ts: every router (and through them the agents and schemas the runner imports too);
  // task-queue.ts: the rest of what the runner takes from this package.
  for (const entry of ["root.ts", "task-queue.ts"]) {
    const { modules, code, stderr } = await modulesLoadedBy(path.join(SRC, entry));
    expect(code, stderr).toBe(0);
    expect(modules.some((m) => m.endsWith(`/packages/api/src/${entry}`)), `the trace of ${entry} does not contain it`).toBe(true);
    expect(modules.filter(isPrismaModule), `${entry} loads the Prisma client`).toEqual([]);
  }
});

import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { hashInputs, workspacePackageDirs } from "./stamp.mjs";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "wharf-stamp-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("hashInputs", () => {
  it("changes when a source changes, not when build output or tests change", () => {
    mkdirSync(path.join(dir, "app", ".next"), { recursive: true });
    writeFileSync(path.join(dir, "app", "page.tsx"), "one");
    const first = hashInputs(dir, ["app"]);
    writeFileSync(path.join(dir, "app", ".next", "BUILD_ID"), "x");
    writeFileSync(path.join(dir, "app", "page.test.ts"), "test");
    expect(hashInputs(dir, ["app"])).toBe(first);
    writeFileSync(path.join(dir, "app", "page.tsx"), "two");
    expect(hashInputs(dir, ["app"])).not.toBe(first);
  });
});

describe("hashInputs in a git work tree", () => {
  it("ignores what .gitignore ignores and sees untracked sources", () => {
    execFileSync("git", ["init", "-q", dir]);
    mkdirSync(path.join(dir, "app"));
    writeFileSync(path.join(dir, ".gitignore"), "next-env.d.ts\n");
    writeFileSync(path.join(dir, "app", "page.tsx"), "one");
    const first = hashInputs(dir, ["app"]);
    writeFileSync(path.join(dir, "app", "next-env.d.ts"), "generated");
    expect(hashInputs(dir, ["app"])).toBe(first);
    writeFileSync(path.join(dir, "app", "layout.tsx"), "new file");
    expect(hashInputs(dir, ["app"])).not.toBe(first);
  });
});

describe("workspacePackageDirs", () => {
  it("expands folder globs to folders with a package.json", () => {
    writeFileSync(path.join(dir, "pnpm-workspace.yaml"), "packages:\n  - apps/*\n  - e2e\n  - missing\n\ncatalog:\n  x: 1\n");
    for (const p of ["apps/web", "apps/runner", "e2e"]) {
      mkdirSync(path.join(dir, p), { recursive: true });
      writeFileSync(path.join(dir, p, "package.json"), "{}");
    }
    mkdirSync(path.join(dir, "apps", "notes"));
    expect(workspacePackageDirs(dir)).toEqual(["apps/runner", "apps/web", "e2e"]);
  });
});

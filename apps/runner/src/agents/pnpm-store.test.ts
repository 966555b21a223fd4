import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { linkSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readTextFile } from "./fs-access";

// A real `pnpm add` from the local store (offline: no network in tests) of the zod Wharf itself uses.
const zodVersion = (JSON.parse(readFileSync(createRequire(import.meta.url).resolve("zod/package.json"), "utf8")) as { version: string }).version;

let base: string;
let root: string;
let secret: string;

beforeAll(() => {
  base = realpathSync(mkdtempSync(path.join(tmpdir(), "wharf-pnpm-")));
  root = path.join(base, "worktree");
  mkdirSync(root);
  secret = path.join(base, "secret.txt");
  writeFileSync(secret, "the secret\n");
  writeFileSync(path.join(root, "package.json"), JSON.stringify({ name: "demo", version: "1.0.0", private: true }));
  execFileSync("pnpm", ["add", `zod@${zodVersion}`, "--offline", "--config.confirmModulesPurge=false"], { cwd: root, stdio: "pipe", timeout: 120_000 });
}, 150_000);

afterAll(() => {
  rmSync(base, { recursive: true, force: true });
});

describe("fs/read_text_file and hard links", () => {
  it("reads a pnpm-installed package file (hard-linked from pnpm's store)", async () => {
    const file = path.join("node_modules", ".pnpm", `zod@${zodVersion}`, "node_modules", "zod", "package.json");
    const text = await readTextFile(root, path.join(root, file));
    expect(JSON.parse(text)).toMatchObject({ name: "zod", version: zodVersion });
  });

  it("still refuses a hard link to a file outside the worktree, in node_modules too", async () => {
    linkSync(secret, path.join(root, "node_modules", "secret.txt"));
    linkSync(secret, path.join(root, "node_modules", ".pnpm", "secret.txt"));
    await expect(readTextFile(root, path.join(root, "node_modules", "secret.txt"))).rejects.toMatchObject({ reason: "hard_link" });
    await expect(readTextFile(root, path.join(root, "node_modules", ".pnpm", "secret.txt"))).rejects.toMatchObject({ reason: "hard_link" });
  });

  it("refuses a hard link whose 'store' the worktree itself names", async () => {
    const fake = path.join(root, "fake");
    const hex = createHash("sha512").update(readFileSync(secret)).digest("hex");
    mkdirSync(path.join(fake, "store", "files", hex.slice(0, 2)), { recursive: true });
    linkSync(secret, path.join(fake, "store", "files", hex.slice(0, 2), hex.slice(2)));
    mkdirSync(path.join(fake, "node_modules"));
    writeFileSync(path.join(fake, "node_modules", ".modules.yaml"), JSON.stringify({ storeDir: path.join(fake, "store") }));
    linkSync(secret, path.join(fake, "node_modules", "secret.txt"));
    await expect(readTextFile(root, path.join(fake, "node_modules", "secret.txt"))).rejects.toMatchObject({ reason: "hard_link" });
  });
});

import { link, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfinementError, resolveInside } from "./confine";
import { FileAccessError, readTextFile, sliceLines, writeTextFile } from "./fs-access";

let base: string;
let root: string; // the worktree: <base>/wt-1
let sibling: string; // <base>/wt-10 — shares a prefix with the worktree
let outside: string;

beforeAll(async () => {
  base = await mkdtemp(path.join(tmpdir(), "wharf-confine-"));
  root = path.join(base, "wt-1");
  sibling = path.join(base, "wt-10");
  outside = path.join(base, "outside");
  await mkdir(path.join(root, "src"), { recursive: true });
  await mkdir(sibling);
  await mkdir(outside);
  await writeFile(path.join(root, "src/a.ts"), "one\ntwo\nthree\nfour\n");
  await writeFile(path.join(sibling, "secret.txt"), "sibling secret");
  await writeFile(path.join(outside, "secret.txt"), "outside secret");
  await writeFile(path.join(root, ".git"), "gitdir: /somewhere/.git/worktrees/wt-1\n");
  await symlink("/etc", path.join(root, "etc-link"));
  await symlink("/etc/passwd", path.join(root, "passwd-link"));
  await symlink(outside, path.join(root, "out-dir"));
  await symlink(path.join(outside, "new.txt"), path.join(root, "dangling-out"));
  await symlink("src/a.ts", path.join(root, "inside-link"));
  await symlink("src/not-yet.ts", path.join(root, "dangling-in"));
  await symlink("../wt-10", path.join(root, "sib-link"));
  await link(path.join(outside, "secret.txt"), path.join(root, "hard.txt"));
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

async function refused(requested: string): Promise<ConfinementError> {
  const error = await resolveInside(root, requested).then(
    (ok) => new Error(`accepted ${JSON.stringify(requested)} as ${ok}`),
    (e: unknown) => e,
  );
  if (!(error instanceof ConfinementError)) throw error;
  return error;
}

describe("resolveInside", () => {
  it("accepts relative and absolute paths inside the worktree, existing or not", async () => {
    await expect(resolveInside(root, "src/a.ts")).resolves.toBe(path.join(root, "src/a.ts"));
    await expect(resolveInside(root, path.join(root, "src/a.ts"))).resolves.toBe(path.join(root, "src/a.ts"));
    await expect(resolveInside(root, "new/dir/file.ts")).resolves.toBe(path.join(root, "new/dir/file.ts"));
    await expect(resolveInside(root, "src/../src/a.ts")).resolves.toBe(path.join(root, "src/a.ts"));
    await expect(resolveInside(root, ".")).resolves.toBe(root);
  });

  it("follows symlinks that stay inside", async () => {
    await expect(resolveInside(root, "inside-link")).resolves.toBe(path.join(root, "src/a.ts"));
    await expect(resolveInside(root, "dangling-in")).resolves.toBe(path.join(root, "src/not-yet.ts"));
  });

  it.each([
    ["../outside/secret.txt", "outside"],
    ["src/../../outside/secret.txt", "outside"],
    ["../../../../../../etc/passwd", "outside"],
    ["/etc/passwd", "outside"],
    ["/", "outside"],
    ["..", "outside"],
    ["../wt-10/secret.txt", "outside"],
    ["etc-link/passwd", "symlink_escape"],
    ["passwd-link", "symlink_escape"],
    ["out-dir/secret.txt", "symlink_escape"],
    ["out-dir/new-file.txt", "symlink_escape"],
    ["dangling-out", "symlink_escape"],
    ["sib-link/secret.txt", "symlink_escape"],
    ["src/a.ts\0.png", "nul_byte"],
    ["", "empty"],
    [".git", "git_internals"],
    [".git/config", "git_internals"],
    ["src/.GIT/hooks/pre-commit", "git_internals"],
    ["src/a.ts/child", "not_a_directory"],
  ])("refuses %j (%s)", async (requested, reason) => {
    expect((await refused(requested)).reason).toBe(reason);
  });

  it("refuses a sibling directory that shares the worktree's name as a prefix", async () => {
    expect((await refused(path.join(sibling, "secret.txt"))).reason).toBe("outside");
    expect((await refused(`${root}0/secret.txt`)).reason).toBe("outside");
  });

  it("accepts the worktree named through a symlinked parent", async () => {
    const alias = path.join(base, "alias");
    await symlink(root, alias);
    await expect(resolveInside(alias, "src/a.ts")).resolves.toBe(path.join(root, "src/a.ts"));
    await expect(resolveInside(alias, path.join(alias, "src/a.ts"))).resolves.toBe(path.join(root, "src/a.ts"));
  });

  it("says what was refused and why", async () => {
    const error = await refused("/etc/passwd");
    expect(error.message).toContain('"/etc/passwd"');
    expect(error.message).toContain("outside the task's worktree");
  });
});

describe("readTextFile / writeTextFile", () => {
  it("reads a file, or a range of its lines", async () => {
    await expect(readTextFile(root, "src/a.ts")).resolves.toBe("one\ntwo\nthree\nfour\n");
    await expect(readTextFile(root, "src/a.ts", 2, 2)).resolves.toBe("two\nthree\n");
    await expect(readTextFile(root, "src/a.ts", 4)).resolves.toBe("four\n");
    await expect(readTextFile(root, "src/a.ts", null, 1)).resolves.toBe("one\n");
  });

  it("reads a missing file as empty text", async () => {
    await expect(readTextFile(root, "src/missing.ts")).resolves.toBe("");
    await expect(readTextFile(root, "no/such/dir/x.ts")).resolves.toBe("");
  });

  it("writes, creating parent directories inside the worktree", async () => {
    await writeTextFile(root, "deep/new/dir/b.ts", "hello");
    await expect(readFile(path.join(root, "deep/new/dir/b.ts"), "utf8")).resolves.toBe("hello");
    await writeTextFile(root, path.join(root, "deep/new/dir/b.ts"), "hi");
    await expect(readFile(path.join(root, "deep/new/dir/b.ts"), "utf8")).resolves.toBe("hi");
  });

  it("writes through a dangling symlink that stays inside", async () => {
    await writeTextFile(root, "dangling-in", "created");
    await expect(readFile(path.join(root, "src/not-yet.ts"), "utf8")).resolves.toBe("created");
  });

  it("refuses to write a hard-linked file, leaving the other name untouched", async () => {
    const error = await writeTextFile(root, "hard.txt", "pwned").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileAccessError);
    expect((error as FileAccessError).reason).toBe("hard_link");
    await expect(readFile(path.join(outside, "secret.txt"), "utf8")).resolves.toBe("outside secret");
  });

  it("refuses writes that would leave the worktree", async () => {
    for (const p of ["out-dir/x.txt", "dangling-out", "../outside/x.txt", "/tmp/x.txt", ".git"]) {
      await expect(writeTextFile(root, p, "x")).rejects.toBeInstanceOf(ConfinementError);
    }
    await expect(readFile(path.join(outside, "new.txt"), "utf8")).rejects.toThrow(/ENOENT/);
    await expect(readFile(path.join(root, ".git"), "utf8")).resolves.toContain("gitdir:");
  });

  it("refuses to read a directory", async () => {
    await expect(readTextFile(root, "src")).rejects.toBeInstanceOf(FileAccessError);
  });

  it("sliceLines keeps the last line without a newline", () => {
    expect(sliceLines("a\nb", 2, 5)).toBe("b");
    expect(sliceLines("a\nb\n", 9, 1)).toBe("");
  });
});

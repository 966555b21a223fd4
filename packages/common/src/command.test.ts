import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { checkCommand } from "./command";

const root = mkdtempSync(path.join(os.tmpdir(), "wharf-command-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function file(rel: string, mode: number): string {
  const full = path.join(root, rel);
  mkdirSync(path.dirname(full), { recursive: true });
  writeFileSync(full, "#!/bin/sh\nexit 0\n");
  chmodSync(full, mode);
  return full;
}

it("finds a bare name on PATH, passing over folders and files that cannot run", () => {
  const runnable = file("c/tool", 0o755);
  file("b/tool", 0o644);
  mkdirSync(path.join(root, "a/tool"), { recursive: true });
  const envPath = ["a", "b", "c"].map((d) => path.join(root, d)).join(path.delimiter);
  expect(checkCommand("tool", envPath, "/")).toEqual({ ok: true, path: runnable });
});

it("says why a command cannot start: missing (ENOENT) or not executable (EACCES)", () => {
  file("only/plain", 0o644);
  expect(checkCommand("plain", path.join(root, "only"), "/")).toEqual({ ok: false, code: "EACCES" });
  expect(checkCommand("absent", path.join(root, "only"), "/")).toEqual({ ok: false, code: "ENOENT" });
  expect(checkCommand("absent", undefined, "/")).toEqual({ ok: false, code: "ENOENT" });
  expect(checkCommand("", path.join(root, "c"), "/")).toEqual({ ok: false, code: "ENOENT" });
});

it("takes a path as given, relative to cwd, never from PATH", () => {
  const runnable = file("work/bin/agent", 0o755);
  expect(checkCommand("./bin/agent", path.join(root, "c"), path.join(root, "work"))).toEqual({ ok: true, path: runnable });
  expect(checkCommand(runnable, undefined, "/")).toEqual({ ok: true, path: runnable });
  expect(checkCommand("bin/tool", path.join(root, "c"), path.join(root, "work"))).toEqual({ ok: false, code: "ENOENT" });
  expect(checkCommand(path.join(root, "work/bin"), undefined, "/")).toEqual({ ok: false, code: "ENOENT" });
});

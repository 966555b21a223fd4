import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/** git with an environment free of the host's GIT_* variables and config. */
export function git(cwd: string, ...args: string[]): string {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("GIT_")) env[k] = v;
  env.GIT_CONFIG_GLOBAL = "/dev/null";
  env.GIT_CONFIG_NOSYSTEM = "1";
  return execFileSync("git", ["-c", "user.name=Test", "-c", "user.email=test@example.com", ...args], { cwd, env, encoding: "utf8" }).trim();
}

/** A real repository with one commit on `main`: README.md and src/app.txt. */
export function makeRepo(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "wharf-repo-"));
  git(dir, "init", "-q", "-b", "main");
  const all = { "README.md": "# demo\n", "src/app.txt": "one\ntwo\nthree\n", ...files };
  for (const [file, content] of Object.entries(all)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), content);
  }
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "initial");
  return dir;
}

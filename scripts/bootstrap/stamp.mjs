// @ts-check
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

// Build output, for work trees without git (with git, .gitignore decides).
const SKIPPED_DIRS = new Set(["node_modules", ".next", "dist", "coverage", "test-results", "playwright-report", "screenshots", ".turbo", ".git"]);

// Tests do not change what gets built.
const SKIPPED_FILES = /(\.tsbuildinfo|\.test\.tsx?)$/;

/**
 * The files under `entries` that git would track: tracked or untracked, minus .gitignore'd ones
 * (build output, node_modules). Null when `root` is not a git work tree.
 * @param {string} root
 * @param {string[]} entries
 * @returns {string[] | null}
 */
function gitFiles(root, entries) {
  const result = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", ...entries], {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0 || result.error) return null;
  return [...new Set(result.stdout.split("\0").filter(Boolean))].sort();
}

/**
 * Every file under `entries` by walking the folders, skipping build output.
 * @param {string} root
 * @param {string[]} entries
 */
function walkFiles(root, entries) {
  /** @type {string[]} */
  const files = [];
  /** @param {string} rel */
  const visit = (rel) => {
    let stat;
    try {
      stat = statSync(path.join(root, rel));
    } catch {
      return;
    }
    if (stat.isDirectory()) {
      for (const name of readdirSync(path.join(root, rel))) {
        if (!SKIPPED_DIRS.has(name)) visit(path.join(rel, name));
      }
    } else if (stat.isFile()) {
      files.push(rel);
    }
  };
  for (const entry of entries) visit(entry);
  return files.sort();
}

/**
 * Hashes the contents of files and folders under `root` (what git would track there, skipping
 * tests), plus extra strings such as tool versions.
 * @param {string} root
 * @param {string[]} entries paths relative to root
 * @param {string[]} [extra]
 */
export function hashInputs(root, entries, extra = []) {
  const hash = createHash("sha256");
  for (const value of extra) hash.update(`extra:${value}\0`);
  const files = gitFiles(root, entries) ?? walkFiles(root, entries);
  for (const rel of files) {
    if (SKIPPED_FILES.test(rel)) continue;
    let content;
    try {
      content = readFileSync(path.join(root, rel));
    } catch {
      // Tracked but deleted in the work tree.
      hash.update(`missing:${rel}\0`);
      continue;
    }
    hash.update(`file:${rel}\0`);
    hash.update(content);
    hash.update("\0");
  }
  return hash.digest("hex");
}

/**
 * Expands the `packages:` globs of pnpm-workspace.yaml (plain folders and `dir/*`) to folders
 * that hold a package.json.
 * @param {string} root
 * @returns {string[]} folders relative to root
 */
export function workspacePackageDirs(root) {
  const text = readFileSync(path.join(root, "pnpm-workspace.yaml"), "utf8");
  const globs = [];
  let inPackages = false;
  for (const line of text.split("\n")) {
    if (/^packages:\s*$/.test(line)) {
      inPackages = true;
      continue;
    }
    if (inPackages) {
      const match = /^\s+-\s+["']?([^"'#]+?)["']?\s*$/.exec(line);
      if (match?.[1]) globs.push(match[1]);
      else if (/^\S/.test(line)) inPackages = false;
    }
  }
  const dirs = [];
  for (const glob of globs) {
    if (glob.endsWith("/*")) {
      const parent = glob.slice(0, -2);
      if (!existsSync(path.join(root, parent))) continue;
      for (const name of readdirSync(path.join(root, parent)).sort()) {
        if (existsSync(path.join(root, parent, name, "package.json"))) dirs.push(path.join(parent, name));
      }
    } else if (existsSync(path.join(root, glob, "package.json"))) {
      dirs.push(glob);
    }
  }
  return dirs;
}

/** @param {string} file */
export function readStamp(file) {
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    return null;
  }
}

/**
 * @param {string} file
 * @param {string} value
 */
export function writeStamp(file, value) {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${value}\n`);
}

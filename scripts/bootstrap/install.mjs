// @ts-check
import { existsSync, readFileSync } from "node:fs";
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
 * Runs each workspace package's `generate` script (the Prisma client) when its inputs
 * (`prisma/`, `scripts/`, package.json) changed or its output (`src/generated`) is missing.
 * @param {string} root
 * @param {Toolchain} tc
 * @param {string} installHash
 */
async function ensureGenerated(root, tc, installHash) {
  for (const dir of workspacePackageDirs(root)) {
    const pkg = JSON.parse(readFileSync(path.join(root, dir, "package.json"), "utf8"));
    if (!pkg.scripts?.generate) continue;
    const hash = hashInputs(root, ["prisma", "scripts", "package.json"].map((p) => path.join(dir, p)), [installHash]);
    const stamp = path.join(stampDir(root), `generate-${String(pkg.name).replace(/[^a-z0-9-]/gi, "_")}.sha256`);
    if (readStamp(stamp) === hash && existsSync(path.join(root, dir, "src", "generated"))) continue;
    console.log(`wharf: generating code for ${pkg.name}`);
    await runStep(`Code generation for ${pkg.name}`, tc.pnpm, ["--filter", pkg.name, "run", "generate"], { cwd: root, env: tc.env });
    writeStamp(stamp, hash);
  }
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
 * dependencies, generated code and the web build.
 * @param {string} root
 * @param {Toolchain} tc
 */
export async function prepare(root, tc) {
  const installHash = await ensureDependencies(root, tc);
  await ensureGenerated(root, tc, installHash);
  await ensureWebBuild(root, tc, installHash);
}

// @ts-check
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ensureChromium } from "./chromium.mjs";
import { SetupError, run } from "./process.mjs";
import { countLint, countPlaywright, countVitest, formatSummary, vitestUnhandledErrors } from "./results.mjs";

/** @typedef {import("./toolchain.mjs").Toolchain} Toolchain */
/** @typedef {import("./results.mjs").StepResult} StepResult */

const E2E_PACKAGE = "@wharf/e2e";

/** @param {string} file */
function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return null;
  }
}

/**
 * Workspace packages (not the root) that have a `test` script, in workspace order.
 * @param {string} root
 * @param {Toolchain} tc
 * @returns {Promise<Array<{ name: string; dir: string }>>}
 */
async function testablePackages(root, tc) {
  const { code, output } = await run(tc.pnpm, ["-r", "ls", "--json", "--depth", "-1"], { cwd: root, env: tc.env, quiet: true });
  if (code !== 0) throw new SetupError(`Could not list the workspace packages: ${output.trim()}`);
  const list = /** @type {Array<{ name: string; path: string }>} */ (JSON.parse(output.slice(output.indexOf("["))));
  return list
    .filter((p) => path.resolve(p.path) !== path.resolve(root))
    .filter((p) => readJson(path.join(p.path, "package.json"))?.scripts?.test)
    .map((p) => ({ name: p.name, dir: p.path }));
}

/** @param {string} title */
function banner(title) {
  console.log(`\n── ${title} ${"─".repeat(Math.max(0, 70 - title.length))}`);
}

/**
 * Typecheck, lint (ESLint, knip), every package's vitest suite (one package at a time), then the Playwright suite.
 * Prints a summary ending in `N passed, N failed` and returns the exit code.
 * @param {string} root
 * @param {Toolchain} tc
 */
export async function runAllTests(root, tc) {
  const reports = mkdtempSync(path.join(os.tmpdir(), "wharf-test-"));
  /** @type {StepResult[]} */
  const steps = [];
  try {
    banner("typecheck (pnpm -r typecheck)");
    const typecheck = await run(tc.pnpm, ["-r", "--no-bail", "--if-present", "run", "typecheck"], { cwd: root, env: tc.env });
    steps.push({ name: "typecheck", passed: 0, failed: typecheck.code === 0 ? 0 : 1, note: typecheck.code === 0 ? "clean" : "type errors above" });

    // One ESLint process for the whole workspace: its TypeScript projects share parsed files, so
    // this is faster than each package's `lint` script in turn.
    banner("lint (eslint)");
    const eslintArgs = ["exec", "eslint", "--max-warnings=0", "."];
    const eslint = await run(tc.pnpm, eslintArgs, { cwd: root, env: tc.env, tee: true });
    steps.push(countLint("eslint", eslint.output, eslint.code));

    banner("unused files, exports and dependencies (knip)");
    const knipArgs = ["exec", "knip", "--no-progress"];
    const knip = await run(tc.pnpm, knipArgs, { cwd: root, env: tc.env, tee: true });
    steps.push(countLint("knip", knip.output, knip.code));

    const packages = await testablePackages(root, tc);
    for (const pkg of packages.filter((p) => p.name !== E2E_PACKAGE)) {
      banner(`${pkg.name} (vitest)`);
      const file = path.join(reports, `${pkg.name.replace(/[^a-z0-9-]/gi, "_")}.json`);
      const result = await run(
        tc.pnpm,
        ["--filter", pkg.name, "run", "test", "--reporter=default", "--reporter=json", `--outputFile.json=${file}`],
        { cwd: root, env: tc.env, tee: true },
      );
      steps.push(countVitest(pkg.name, readJson(file), result.code, vitestUnhandledErrors(result.output)));
    }

    const e2e = packages.find((p) => p.name === E2E_PACKAGE);
    if (e2e) {
      banner(`${E2E_PACKAGE} (playwright)`);
      try {
        const chromium = await ensureChromium(tc.env);
        const file = path.join(reports, "playwright.json");
        const result = await run(tc.pnpm, ["--filter", E2E_PACKAGE, "run", "test"], {
          cwd: root,
          env: { ...tc.env, WHARF_CHROMIUM: chromium, WHARF_PLAYWRIGHT_JSON: file },
        });
        steps.push(countPlaywright(E2E_PACKAGE, readJson(file), result.code));
      } catch (error) {
        if (!(error instanceof SetupError)) throw error;
        console.error(`wharf: ${error.message}${error.hint ? `\n  ${error.hint}` : ""}`);
        steps.push({ name: E2E_PACKAGE, passed: 0, failed: 1, note: "browser missing" });
      }
    }
  } finally {
    rmSync(reports, { recursive: true, force: true });
  }
  banner("summary");
  const summary = formatSummary(steps);
  console.log(summary.text);
  return summary.failed > 0 ? 1 : 0;
}

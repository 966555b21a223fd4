// @ts-check

/** @typedef {{ name: string; passed: number; failed: number; note?: string }} StepResult */

/**
 * The number in vitest's "Errors  N error(s)" summary line: errors outside any test (unhandled
 * rejections, errors thrown after a test ended), which its JSON report leaves out.
 * @param {string} output
 */
export function vitestUnhandledErrors(output) {
  const plain = output.replace(/\u001b\[[0-9;]*m/g, "");
  const match = /^\s*Errors\s+(\d+)\s+errors?\b/m.exec(plain);
  return match ? Number(match[1]) : 0;
}

/**
 * Counts a vitest JSON report. A test file that fails to load has no failed test but is a
 * failure; so is each unhandled error, and a non-zero exit with nothing failed in the report.
 * @param {string} name
 * @param {unknown} report parsed JSON, or null when the run wrote none
 * @param {number} exitCode
 * @param {number} [unhandledErrors]
 * @returns {StepResult}
 */
export function countVitest(name, report, exitCode, unhandledErrors = 0) {
  if (!report || typeof report !== "object") {
    return exitCode === 0
      ? { name, passed: 0, failed: 0, note: "no report" }
      : { name, passed: 0, failed: 1, note: `exited with ${exitCode} without a report` };
  }
  const r = /** @type {{ numPassedTests?: number; numFailedTests?: number; testResults?: Array<{ status?: string; assertionResults?: Array<{ status?: string }> }> }} */ (report);
  const passed = r.numPassedTests ?? 0;
  let failed = r.numFailedTests ?? 0;
  const brokenFiles = (r.testResults ?? []).filter(
    (file) => file.status === "failed" && !(file.assertionResults ?? []).some((test) => test.status === "failed"),
  ).length;
  failed += brokenFiles + unhandledErrors;
  if (exitCode !== 0 && failed === 0) return { name, passed, failed: 1, note: `exited with ${exitCode}` };
  const notes = [
    ...(brokenFiles > 0 ? [`${brokenFiles} test file(s) failed to run`] : []),
    ...(unhandledErrors > 0 ? [`${unhandledErrors} unhandled error(s)`] : []),
  ];
  return notes.length > 0 ? { name, passed, failed, note: notes.join(", ") } : { name, passed, failed };
}

/**
 * Counts a Playwright JSON report (`stats` plus top-level `errors`, e.g. a failed global setup).
 * @param {string} name
 * @param {unknown} report
 * @param {number} exitCode
 * @returns {StepResult}
 */
export function countPlaywright(name, report, exitCode) {
  const r = /** @type {{ stats?: { expected?: number; unexpected?: number; flaky?: number }; errors?: unknown[] } | null} */ (report);
  if (!r || typeof r !== "object" || !r.stats) {
    return exitCode === 0 ? { name, passed: 0, failed: 0, note: "no report" } : { name, passed: 0, failed: 1, note: `exited with ${exitCode} without a report` };
  }
  const passed = (r.stats.expected ?? 0) + (r.stats.flaky ?? 0);
  let failed = r.stats.unexpected ?? 0;
  const errors = r.errors?.length ?? 0;
  if (errors > 0 && failed === 0) failed = 1;
  if (exitCode !== 0 && failed === 0) return { name, passed, failed: 1, note: `exited with ${exitCode}` };
  return errors > 0 ? { name, passed, failed, note: `${errors} error(s) outside tests` } : { name, passed, failed };
}

/**
 * Counts a linter step: every finding is one failure. ESLint's stylish output ends with
 * `✖ N problems (…)`; knip's lists each kind of finding under a heading `Unused exports (N)`.
 * Only a non-zero exit fails (knip's configuration hints alone exit 0); one that printed no
 * finding (a crash, a bad config) is one failure.
 * @param {string} name
 * @param {string} output what the linter printed
 * @param {number} exitCode
 * @returns {StepResult}
 */
export function countLint(name, output, exitCode) {
  if (exitCode === 0) return { name, passed: 1, failed: 0, note: "clean" };
  const plain = output.replace(/\u001b\[[0-9;]*m/g, "");
  const eslint = /✖ (\d+) problems?/.exec(plain);
  const knip = [...plain.matchAll(/^[A-Z][A-Za-z ]+ \((\d+)\)\s*$/gm)].reduce((n, m) => n + Number(m[1]), 0);
  const findings = eslint ? Number(eslint[1]) : knip;
  if (findings > 0) return { name, passed: 0, failed: findings, note: "findings above" };
  return { name, passed: 0, failed: 1, note: `exited with ${exitCode}` };
}

/**
 * The closing lines: one per step, then `N passed, N failed` alone on the last line.
 * @param {StepResult[]} steps
 */
export function formatSummary(steps) {
  const lines = steps.map((s) => `  ${s.failed > 0 ? "FAIL" : "ok  "} ${s.name}: ${s.passed} passed, ${s.failed} failed${s.note ? ` (${s.note})` : ""}`);
  const passed = steps.reduce((n, s) => n + s.passed, 0);
  const failed = steps.reduce((n, s) => n + s.failed, 0);
  return { text: [...lines, `${passed} passed, ${failed} failed`].join("\n"), passed, failed };
}

import { describe, expect, it } from "vitest";
import { countPlaywright, countVitest, formatSummary, vitestUnhandledErrors } from "./results.mjs";

describe("countVitest", () => {
  it("counts passed and failed tests", () => {
    expect(countVitest("a", { numPassedTests: 4, numFailedTests: 1, testResults: [] }, 1)).toEqual({ name: "a", passed: 4, failed: 1 });
  });

  it("counts a test file that failed to load as a failure", () => {
    const report = { numPassedTests: 2, numFailedTests: 0, testResults: [{ status: "failed", assertionResults: [] }, { status: "passed", assertionResults: [{ status: "passed" }] }] };
    expect(countVitest("a", report, 1)).toMatchObject({ passed: 2, failed: 1 });
  });

  it("counts a failed run without a report as one failure", () => {
    expect(countVitest("a", null, 2)).toMatchObject({ passed: 0, failed: 1 });
    expect(countVitest("a", null, 0)).toMatchObject({ passed: 0, failed: 0 });
  });
});

describe("vitestUnhandledErrors", () => {
  it("reads the Errors line of vitest's summary, with or without colours", () => {
    expect(vitestUnhandledErrors("      Tests  28 passed (28)\n     Errors  1 error\n")).toBe(1);
    expect(vitestUnhandledErrors("\u001b[2m     Errors \u001b[22m \u001b[1m\u001b[31m3 errors\u001b[39m\u001b[22m\n")).toBe(3);
    expect(vitestUnhandledErrors("      Tests  28 passed (28)\n")).toBe(0);
  });

  it("counts unhandled errors as failures even when vitest exits 0", () => {
    expect(countVitest("db", { numPassedTests: 28, numFailedTests: 0, testResults: [] }, 0, 1)).toEqual({
      name: "db",
      passed: 28,
      failed: 1,
      note: "1 unhandled error(s)",
    });
  });
});

describe("countPlaywright", () => {
  it("counts expected and flaky as passed, unexpected as failed", () => {
    expect(countPlaywright("e2e", { stats: { expected: 3, unexpected: 1, flaky: 1, skipped: 2 }, errors: [] }, 1)).toEqual({
      name: "e2e",
      passed: 4,
      failed: 1,
    });
  });

  it("counts a failed global setup as a failure", () => {
    expect(countPlaywright("e2e", { stats: { expected: 0, unexpected: 0 }, errors: [{ message: "setup" }] }, 1)).toMatchObject({ failed: 1 });
  });
});

describe("formatSummary", () => {
  it("ends with 'N passed, N failed' alone on the last line", () => {
    const { text, passed, failed } = formatSummary([
      { name: "typecheck", passed: 0, failed: 0 },
      { name: "a", passed: 3, failed: 1 },
      { name: "b", passed: 2, failed: 0 },
    ]);
    expect(text.split("\n").at(-1)).toBe("5 passed, 1 failed");
    expect([passed, failed]).toEqual([5, 1]);
  });
});

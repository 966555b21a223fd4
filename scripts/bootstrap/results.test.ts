import { describe, expect, it } from "vitest";
import { countLint, countPlaywright, countVitest, formatSummary, vitestUnhandledErrors } from "./results.mjs";

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

describe("countLint", () => {
  it("counts ESLint's problems, colours and all", () => {
    const output = "/repo/a.ts\n  3:1  error  Promises must be awaited  @typescript-eslint/no-floating-promises\n\n\u001b[31m\u001b[1m✖ 2 problems (2 errors, 0 warnings)\u001b[22m\u001b[39m\n";
    expect(countLint("eslint", output, 1)).toEqual({ name: "eslint", passed: 0, failed: 2, note: "findings above" });
  });

  it("adds up knip's headings", () => {
    const output = "Unused files (1)\napps/web/src/x.ts\nUnused exports (2)\nfoo  function  a.ts:1:1\nbar  b.ts:2:1\n";
    expect(countLint("knip", output, 1)).toEqual({ name: "knip", passed: 0, failed: 3, note: "findings above" });
  });

  it("passes a clean run and fails a crash that printed no finding", () => {
    expect(countLint("knip", "Configuration hints (1)\nsrc/main.ts  knip.json  Remove redundant entry pattern\n", 0)).toEqual({ name: "knip", passed: 1, failed: 0, note: "clean" });
    expect(countLint("eslint", "Oops! Something went wrong!", 2)).toEqual({ name: "eslint", passed: 0, failed: 1, note: "exited with 2" });
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

import { describe, expect, it } from "vitest";
import { buildPullRequestBody, pullRequestTitle } from "./pr-body";

describe("buildPullRequestBody", () => {
  it("quotes the prompt, gives the summary and lists the files with their line counts", () => {
    const body = buildPullRequestBody({
      taskId: "t1",
      taskUrl: "http://localhost:3000/tasks/t1",
      prompt: "Rename line two.\n\nKeep the rest.",
      summary: "Renamed it.",
      files: [
        { path: "a.txt", status: "modified", additions: 1, deletions: 1, binary: false },
        { path: "b|c.txt", oldPath: "old.txt", status: "renamed", additions: 0, deletions: 0, binary: false },
        { path: "logo.png", status: "added", additions: 0, deletions: 0, binary: true },
      ],
    });
    expect(body).toBe(
      [
        "Opened by Wharf from task [t1](http://localhost:3000/tasks/t1).",
        "",
        "## Prompt",
        "",
        "> Rename line two.\n>\n> Keep the rest.",
        "",
        "## Summary",
        "",
        "Renamed it.",
        "",
        "## Files (3 files, +1 −1)",
        "",
        "| File | Change | Lines |",
        "| --- | --- | --- |",
        "| `a.txt` | modified | +1 −1 |",
        "| `old.txt` → `b\\|c.txt` | renamed | +0 −0 |",
        "| `logo.png` | added | binary |",
        "",
      ].join("\n"),
    );
  });

  it("leaves out a missing summary and counts files beyond the limit", () => {
    const files = Array.from({ length: 5 }, (_, i) => ({ path: `f${i}.ts`, status: "added" as const, additions: 2, deletions: 0, binary: false }));
    const body = buildPullRequestBody({ taskId: "t2", prompt: "Add files", summary: null, files, maxFiles: 3 });
    expect(body).not.toContain("## Summary");
    expect(body).toContain("Opened by Wharf from task `t2`.");
    expect(body).toContain("## Files (5 files, +10 −0)");
    expect(body).toContain("| `f2.ts` | added | +2 −0 |");
    expect(body).not.toContain("f3.ts");
    expect(body).toContain("…and 2 more files.");
  });

  it("says when no file changed", () => {
    expect(buildPullRequestBody({ taskId: "t3", prompt: "", files: [] })).toContain("## Files (0 files, +0 −0)\n\nNo files changed.");
  });
});

describe("pullRequestTitle", () => {
  it("takes the first prompt line and shortens it", () => {
    expect(pullRequestTitle("\n  Fix the login form  \nmore")).toBe("Fix the login form");
    expect(pullRequestTitle("x".repeat(100), 10)).toBe("xxxxxxxxx…");
    expect(pullRequestTitle("   ")).toBe("Changes from Wharf");
  });
});

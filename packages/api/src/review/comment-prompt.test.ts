import { describe, expect, it } from "vitest";
import { buildCommentPrompt, checkOutdated, reviewCommentSchema } from "./comment-prompt";
import { parseDiffLines } from "./diff-lines";

const diff = [
  "diff --git a/src/app.ts b/src/app.ts",
  "index 1111111..2222222 100644",
  "--- a/src/app.ts",
  "+++ b/src/app.ts",
  "@@ -1,5 +1,6 @@",
  " import { a } from './a';",
  "-const x = 1;",
  "+const x = 2;",
  "+const y = x * 2;",
  " ",
  " export function f() {",
  "   return x;",
  "diff --git a/docs/notes.md b/docs/notes.md",
  "new file mode 100644",
  "index 0000000..3333333",
  "--- /dev/null",
  "+++ b/docs/notes.md",
  "@@ -0,0 +1,2 @@",
  "+# Notes",
  "+Use ```code``` here.",
  "",
].join("\n");

describe("parseDiffLines", () => {
  it("maps line numbers on both sides", () => {
    const files = parseDiffLines(diff);
    const app = files.get("src/app.ts");
    expect(app?.old.get(2)).toBe("const x = 1;");
    expect(app?.new.get(2)).toBe("const x = 2;");
    expect(app?.new.get(3)).toBe("const y = x * 2;");
    expect(app?.new.get(6)).toBe("  return x;");
    expect(files.get("docs/notes.md")?.new.get(2)).toBe("Use ```code``` here.");
    expect(files.get("docs/notes.md")?.oldPath).toBeUndefined();
  });
});

describe("buildCommentPrompt", () => {
  it("quotes each path:line or range with its lines and the comment, in file order", () => {
    const prompt = buildCommentPrompt({
      diff,
      comments: [
        { path: "src/app.ts", startLine: 2, endLine: 3, side: "new", body: "Why double it?\nKeep x at 1." },
        { path: "docs/notes.md", startLine: 2, endLine: 2, side: "new", body: "No inline code here." },
        { path: "src/app.ts", startLine: 2, endLine: 2, side: "old", body: "This was fine." },
      ],
    });
    expect(prompt).toBe(
      [
        "A reviewer left 3 comments on your change. Address each of them, then finish your turn as usual.",
        "",
        "1. `docs/notes.md:2`",
        "````",
        "2  Use ```code``` here.",
        "````",
        "Comment: No inline code here.",
        "",
        "2. `src/app.ts:2` (lines the change removed)",
        "```",
        "2 -const x = 1;",
        "```",
        "Comment: This was fine.",
        "",
        "3. `src/app.ts:2-3`",
        "```",
        "2  const x = 2;",
        "3  const y = x * 2;",
        "```",
        "Comment: Why double it?",
        "   Keep x at 1.",
      ].join("\n"),
    );
  });

  it("uses the file's content for lines the diff does not show, and says when nothing shows them", () => {
    const prompt = buildCommentPrompt({
      diff,
      files: { "src/app.ts": "import { a } from './a';\nconst x = 2;\nconst y = x * 2;\n\nexport function f() {\n  return x;\n}\n" },
      comments: [
        { path: "src/app.ts", startLine: 7, endLine: 7, side: "new", body: "Add a newline." },
        { path: "src/other.ts", startLine: 10, endLine: 12, side: "new", body: "Look here too." },
      ],
    });
    expect(prompt).toContain("A reviewer left 2 comments");
    expect(prompt).toContain("1. `src/app.ts:7`\n```\n7  }\n```\nComment: Add a newline.");
    expect(prompt).toContain("2. `src/other.ts:10-12`\n(these lines are not shown in the diff; open the file to see them)\nComment: Look here too.");
  });

  it("speaks of one comment in the singular and cuts long ranges", () => {
    const content = Array.from({ length: 100 }, (_, i) => `line ${i + 1}`).join("\n");
    const prompt = buildCommentPrompt({
      diff: "",
      files: { "big.txt": content },
      comments: [{ path: "big.txt", startLine: 1, endLine: 100, side: "new", body: "Too long." }],
    });
    expect(prompt).toMatch(/^A reviewer left a comment on your change\./);
    expect(prompt).toContain(" 1  line 1\n");
    expect(prompt).toContain("40  line 40\n… (60 more lines)");
    expect(prompt).not.toContain("line 41");
  });
});

describe("reviewCommentSchema", () => {
  it("refuses a range that ends before it starts and an empty comment", () => {
    expect(reviewCommentSchema.safeParse({ path: "a", startLine: 3, endLine: 2, side: "new", body: "x" }).success).toBe(false);
    expect(reviewCommentSchema.safeParse({ path: "a", startLine: 1, endLine: 1, side: "new", body: "  " }).success).toBe(false);
    expect(reviewCommentSchema.safeParse({ path: "a", startLine: 1, endLine: 2, side: "old", body: "ok" }).success).toBe(true);
  });
});

describe("checkOutdated", () => {
  const anchor = ["const x = 2;", "const y = x * 2;"];
  const base = { anchor, startLine: 2, endLine: 3, side: "new" as const, path: "src/app.ts" };

  it("is current while the lines read the same", () => {
    expect(checkOutdated({ ...base, content: "import a;\nconst x = 2;\nconst y = x * 2;\n" })).toEqual({ outdated: false, startLine: 2, endLine: 3 });
    expect(checkOutdated({ ...base, diff })).toEqual({ outdated: false, startLine: 2, endLine: 3 });
  });

  it("follows lines that moved down, and is outdated when they changed or the file is gone", () => {
    expect(checkOutdated({ ...base, content: "// header\n// more\nimport a;\nconst x = 2;\nconst y = x * 2;\n" })).toEqual({
      outdated: false,
      startLine: 4,
      endLine: 5,
    });
    expect(checkOutdated({ ...base, content: "import a;\nconst x = 3;\nconst y = x * 2;\n" })).toEqual({ outdated: true, reason: "changed" });
    expect(checkOutdated({ ...base, content: null })).toEqual({ outdated: true, reason: "gone" });
  });

  it("is outdated when the same block now appears twice (no telling which)", () => {
    const twice = "const x = 2;\nconst y = x * 2;\nzz\nconst x = 2;\nconst y = x * 2;\n";
    expect(checkOutdated({ ...base, startLine: 10, endLine: 11, content: twice })).toEqual({ outdated: true, reason: "changed" });
  });

  it("checks removed lines against the newer diff's old side", () => {
    const old = { anchor: ["const x = 1;"], startLine: 2, endLine: 2, side: "old" as const, path: "src/app.ts" };
    expect(checkOutdated({ ...old, diff })).toEqual({ outdated: false, startLine: 2, endLine: 2 });
    expect(checkOutdated({ ...old, diff: diff.replace("-const x = 1;", "-const x = 0;") })).toEqual({ outdated: true, reason: "changed" });
    expect(checkOutdated({ ...old, diff: "" })).toEqual({ outdated: true, reason: "gone" });
  });
});

import { describe, expect, it } from "vitest";
import { parseInline, parseMarkdown, safeHref, type Inline } from "./markdown";

const t = (text: string): Inline => ({ type: "text", text });

describe("inline markdown", () => {
  it("reads emphasis, strong, both and strikethrough", () => {
    expect(parseInline("a *b* c")).toEqual([t("a "), { type: "em", children: [t("b")] }, t(" c")]);
    expect(parseInline("**bold** and __also__")).toEqual([{ type: "strong", children: [t("bold")] }, t(" and "), { type: "strong", children: [t("also")] }]);
    expect(parseInline("***both***")).toEqual([{ type: "em", children: [{ type: "strong", children: [t("both")] }] }]);
    expect(parseInline("~~gone~~ stays")).toEqual([{ type: "del", children: [t("gone")] }, t(" stays")]);
    expect(parseInline("*a **b** c*")).toEqual([{ type: "em", children: [t("a "), { type: "strong", children: [t("b")] }, t(" c")] }]);
  });

  it("leaves delimiters that pair with nothing, and underscores inside words, as text", () => {
    expect(parseInline("2 * 3 * 4")).toEqual([t("2 * 3 * 4")]);
    expect(parseInline("snake_case_name")).toEqual([t("snake_case_name")]);
    expect(parseInline("**open only")).toEqual([t("**open only")]);
    expect(parseInline("**a*")).toEqual([t("*"), { type: "em", children: [t("a")] }]);
  });

  it("keeps code spans literal", () => {
    expect(parseInline("run `npm *test*` now")).toEqual([t("run "), { type: "code", text: "npm *test*" }, t(" now")]);
    expect(parseInline("``a ` b``")).toEqual([{ type: "code", text: "a ` b" }]);
    expect(parseInline("a `open")).toEqual([t("a `open")]);
  });

  it("reads links, autolinks and bare URLs, and drops unsafe addresses", () => {
    expect(parseInline("see [the docs](https://example.com/a_(b)) here")).toEqual([
      t("see "),
      { type: "link", href: "https://example.com/a_(b)", children: [t("the docs")] },
      t(" here"),
    ]);
    expect(parseInline("[x](javascript:alert(1))")).toEqual([t("x")]);
    expect(parseInline("<https://a.example/x>")).toEqual([{ type: "link", href: "https://a.example/x", children: [t("https://a.example/x")] }]);
    expect(parseInline("at https://a.example/x.")).toEqual([t("at "), { type: "link", href: "https://a.example/x", children: [t("https://a.example/x")] }, t(".")]);
    expect(parseInline("[**b**](#top)")).toEqual([{ type: "link", href: "#top", children: [{ type: "strong", children: [t("b")] }] }]);
  });

  it("reads escapes and line breaks", () => {
    expect(parseInline("\\*not em\\*")).toEqual([t("*not em*")]);
    expect(parseInline("one\ntwo")).toEqual([t("one\ntwo")]);
    expect(parseInline("one  \ntwo")).toEqual([t("one"), { type: "break" }, t("two")]);
    expect(parseInline("one\\\ntwo")).toEqual([t("one"), { type: "break" }, t("two")]);
  });

  it("keeps HTML as text", () => {
    expect(parseInline("<img src=x onerror=alert(1)>")).toEqual([t("<img src=x onerror=alert(1)>")]);
  });
});

describe("block markdown", () => {
  it("reads headings, paragraphs and rules", () => {
    expect(parseMarkdown("# Title #\n\nSome text\nmore text\n\n---\nSub\n===")).toEqual([
      { type: "heading", level: 1, children: [t("Title")] },
      { type: "paragraph", children: [t("Some text\nmore text")] },
      { type: "rule" },
      { type: "heading", level: 1, children: [t("Sub")] },
    ]);
  });

  it("reads fenced code with its language, and indented code", () => {
    expect(parseMarkdown("Here:\n```ts\nconst a = 1;\n\n  b();\n```\nafter")).toEqual([
      { type: "paragraph", children: [t("Here:")] },
      { type: "code", lang: "ts", text: "const a = 1;\n\n  b();" },
      { type: "paragraph", children: [t("after")] },
    ]);
    expect(parseMarkdown("~~~\n**no** markdown\n~~~")).toEqual([{ type: "code", lang: null, text: "**no** markdown" }]);
    expect(parseMarkdown("```\nnever closed")).toEqual([{ type: "code", lang: null, text: "never closed" }]);
    expect(parseMarkdown("    indented\n    code")).toEqual([{ type: "code", lang: null, text: "indented\ncode" }]);
  });

  it("reads tight and loose lists, nested lists, ordered starts and task items", () => {
    expect(parseMarkdown("- one\n- two\n  - inner\n- [x] done\n- [ ] todo")).toEqual([
      {
        type: "list",
        ordered: false,
        start: 1,
        tight: true,
        items: [
          { checked: null, children: [{ type: "paragraph", children: [t("one")] }] },
          {
            checked: null,
            children: [
              { type: "paragraph", children: [t("two")] },
              { type: "list", ordered: false, start: 1, tight: true, items: [{ checked: null, children: [{ type: "paragraph", children: [t("inner")] }] }] },
            ],
          },
          { checked: true, children: [{ type: "paragraph", children: [t("done")] }] },
          { checked: false, children: [{ type: "paragraph", children: [t("todo")] }] },
        ],
      },
    ]);
    const loose = parseMarkdown("3. first\n\n4. second");
    expect(loose).toMatchObject([{ type: "list", ordered: true, start: 3, tight: false }]);
    expect(parseMarkdown("1. a\n   continued\n2. b")).toMatchObject([
      { type: "list", items: [{ children: [{ type: "paragraph", children: [t("a\ncontinued")] }] }, { children: [{ type: "paragraph", children: [t("b")] }] }] },
    ]);
  });

  it("does not let a number in a sentence start a list", () => {
    expect(parseMarkdown("We changed\n2. files")).toEqual([{ type: "paragraph", children: [t("We changed\n2. files")] }]);
  });

  it("reads quotes with blocks inside", () => {
    expect(parseMarkdown("> quoted **text**\n> - item")).toEqual([
      {
        type: "quote",
        children: [
          { type: "paragraph", children: [t("quoted "), { type: "strong", children: [t("text")] }] },
          { type: "list", ordered: false, start: 1, tight: true, items: [{ checked: null, children: [{ type: "paragraph", children: [t("item")] }] }] },
        ],
      },
    ]);
  });

  it("reads tables with alignment, escaped pipes and code", () => {
    expect(parseMarkdown("| File | Lines |\n|:---|---:|\n| `a|b` | 3 |\n| c \\| d | 4 |\n\nafter")).toEqual([
      {
        type: "table",
        align: ["left", "right"],
        head: [[t("File")], [t("Lines")]],
        rows: [
          [[{ type: "code", text: "a|b" }], [t("3")]],
          [[t("c | d")], [t("4")]],
        ],
      },
      { type: "paragraph", children: [t("after")] },
    ]);
    expect(parseMarkdown("a | b\n--- | ---")).toMatchObject([{ type: "table", head: [[t("a")], [t("b")]], rows: [] }]);
    expect(parseMarkdown("a | b\nnot a delimiter")).toEqual([{ type: "paragraph", children: [t("a | b\nnot a delimiter")] }]);
  });

  it("bounds nesting", () => {
    const deep = `${">".repeat(200)} deep`;
    expect(() => parseMarkdown(deep)).not.toThrow();
    expect(JSON.stringify(parseMarkdown(deep))).toContain("deep");
  });
});

describe("safeHref", () => {
  it("keeps http(s), mailto and relative addresses only", () => {
    expect(safeHref("https://x.example")).toBe("https://x.example");
    expect(safeHref("mailto:a@b.example")).toBe("mailto:a@b.example");
    expect(safeHref("/tasks/1")).toBe("/tasks/1");
    expect(safeHref("#top")).toBe("#top");
    expect(safeHref("JavaScript:alert(1)")).toBeNull();
    expect(safeHref("data:text/html,x")).toBeNull();
    expect(safeHref("vbscript:x")).toBeNull();
  });
});

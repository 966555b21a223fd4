import { describe, expect, it } from "vitest";
import { parseUnifiedDiff, splitRows } from "./diff";

const diff = `diff --git a/src/app.txt b/src/app.txt
index 1111111..2222222 100644
--- a/src/app.txt
+++ b/src/app.txt
@@ -1,3 +1,3 @@
 one
-two
+TWO
 three
diff --git a/hello.txt b/hello.txt
new file mode 100644
index 0000000..3333333
--- /dev/null
+++ b/hello.txt
@@ -0,0 +1 @@
+hello
diff --git a/logo.png b/logo.png
new file mode 100644
Binary files /dev/null and b/logo.png differ
`;

describe("parseUnifiedDiff", () => {
  it("reads files, hunks and line numbers", () => {
    const files = parseUnifiedDiff(diff);
    expect(files.map((f) => f.path)).toEqual(["src/app.txt", "hello.txt", "logo.png"]);
    expect(files[0]!.hunks[0]!.lines).toEqual([
      { type: "ctx", text: "one", oldNo: 1, newNo: 1 },
      { type: "del", text: "two", oldNo: 2 },
      { type: "add", text: "TWO", newNo: 2 },
      { type: "ctx", text: "three", oldNo: 3, newNo: 3 },
    ]);
    expect(files[1]!.hunks[0]!.lines).toEqual([{ type: "add", text: "hello", newNo: 1 }]);
    expect(files[2]!.binary).toBe(true);
  });

  it("pairs deletions with additions for the split view", () => {
    const rows = splitRows(parseUnifiedDiff(diff)[0]!.hunks[0]!.lines);
    expect(rows.map((r) => [r.left?.text, r.right?.text])).toEqual([
      ["one", "one"],
      ["two", "TWO"],
      ["three", "three"],
    ]);
  });
});

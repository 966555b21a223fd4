import { expect, test, type Page } from "@playwright/test";
import { makeRepo, scenarioPrompt, shoot, startTask } from "./wharf";

/** Collects the URLs of the JavaScript chunks a page loads. */
function scriptsOf(page: Page): Set<string> {
  const urls = new Set<string>();
  page.on("request", (request) => {
    if (request.resourceType() === "script") urls.add(request.url());
  });
  return urls;
}

test("code in agent text is highlighted once the highlighter has loaded; a page without code does not load it", async ({ context, request }) => {
  const plainPage = await context.newPage();
  const plainScripts = scriptsOf(plainPage);
  const plain = await startTask(request, makeRepo(), scenarioPrompt("Plain text", { steps: [{ type: "text", text: "No code here, just **words**." }] }));
  await plainPage.goto(`/tasks/${plain}`);
  await expect(plainPage.getByTestId("timeline").getByTestId("message-agent")).toContainText("No code here", { timeout: 20_000 });
  await expect(plainPage.getByTestId("task-state")).toContainText("Completed", { timeout: 20_000 });
  await plainPage.close();

  const page = await context.newPage();
  const codeScripts = scriptsOf(page);
  // A ~~~ fence: a ``` one would end the prompt's scenario block.
  const code = "Here it is:\n\n~~~ts\nconst greeting: string = \"hello\";\nfunction greet() { return greeting; }\n~~~";
  const id = await startTask(request, makeRepo(), scenarioPrompt("Show code", { steps: [{ type: "text", text: code }] }));
  await page.goto(`/tasks/${id}`);
  const timeline = page.getByTestId("timeline");
  await expect(timeline.getByTestId("message-agent")).toContainText("Here it is", { timeout: 20_000 });
  // The keyword gets its token class when the highlighter arrives.
  await expect(timeline.locator("pre code .hljs-keyword").first()).toHaveText(/const|function/);
  // The highlighter came in a chunk of its own, which the page without code never asked for.
  expect([...codeScripts].filter((url) => !plainScripts.has(url)).length).toBeGreaterThan(0);
  await shoot(page, "timeline-code");
  await page.close();
});

test("agent markdown renders as elements: headings, lists, task items, tables, quotes, links; no HTML, no unsafe link", async ({ page, request }) => {
  const text = [
    "## Summary",
    "",
    "I changed **two** files and *renamed* `greet`:",
    "",
    "- [x] parser fixed",
    "- [ ] docs left",
    "  1. first step",
    "  2. second step",
    "",
    "| File | Lines |",
    "|:-----|------:|",
    "| `src/a.ts` | +12 |",
    "| src/b.ts | ~~-3~~ |",
    "",
    "> Note: see [the guide](https://example.com/guide) or https://example.com/faq.",
    "",
    "<img src=x onerror=\"document.title='pwned'\"> and [bad](javascript:alert(1))",
  ].join("\n");
  const id = await startTask(request, makeRepo(), scenarioPrompt("Rich markdown", { steps: [{ type: "text", text }] }));
  await page.goto(`/tasks/${id}`);
  const message = page.getByTestId("timeline").getByTestId("message-agent");
  await expect(message).toContainText("Summary", { timeout: 20_000 });
  await expect(message.locator("h2")).toHaveText("Summary");
  await expect(message.locator("p strong")).toHaveText("two");
  await expect(message.locator("p em")).toHaveText("renamed");
  await expect(message.locator("ul > li input[type=checkbox]")).toHaveCount(2);
  await expect(message.locator("ul > li input[type=checkbox]").first()).toBeChecked();
  await expect(message.locator("ol > li")).toHaveText(["first step", "second step"]);
  await expect(message.locator("table th")).toHaveText(["File", "Lines"]);
  await expect(message.locator("table td code")).toHaveText("src/a.ts");
  await expect(message.locator("table td del")).toHaveText("-3");
  await expect(message.locator("blockquote a")).toHaveCount(2);
  await expect(message.locator("blockquote a").first()).toHaveAttribute("href", "https://example.com/guide");
  // Raw HTML is text, and a javascript: link is only its words.
  await expect(message).toContainText("<img src=x");
  await expect(message.locator("img")).toHaveCount(0);
  await expect(message.locator("a", { hasText: "bad" })).toHaveCount(0);
  expect(await page.title()).not.toContain("pwned");
  await shoot(page, "timeline-markdown");
});

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

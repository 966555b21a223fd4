import { expect, test } from "@playwright/test";
import { makeRepo, scenarioPrompt, shoot, startTask } from "./wharf";

test.describe.configure({ timeout: 90_000 });

test("a long task opens at its tail and loads older events on scroll to the top", async ({ page, request }) => {
  const steps = Array.from({ length: 700 }, (_, i) => ({ type: "tool_call", id: `t${i}`, title: `Step ${i}`, kind: "other", status: "completed" }));
  const id = await startTask(request, makeRepo(), scenarioPrompt("Many steps", { steps }));
  await page.goto(`/tasks/${id}`);
  await expect(page.getByTestId("task-state")).toContainText("Completed", { timeout: 30_000 });
  const timeline = page.getByTestId("timeline");
  await expect(timeline.getByTestId("tool-row").filter({ hasText: /^Step 699/ })).toBeVisible();
  // Only the tail was loaded; the first steps come when the user scrolls up.
  await expect(timeline.getByText("Step 0", { exact: true })).toHaveCount(0);
  await expect(timeline.getByRole("button", { name: "Load earlier events" })).toBeAttached();
  await expect(async () => {
    await timeline.evaluate((el) => {
      el.scrollTop = 0;
    });
    await expect(timeline.getByText("Step 0", { exact: true })).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  await expect(timeline.getByRole("button", { name: "Load earlier events" })).toHaveCount(0);
});

test("a running task can be cancelled from its page", async ({ page, request }) => {
  const id = await startTask(request, makeRepo(), scenarioPrompt("Think for a long time", { steps: [{ type: "text", text: "Thinking hard…" }, { type: "sleep", ms: 60_000 }] }));
  await page.goto(`/tasks/${id}`);
  await expect(page.getByTestId("timeline").getByTestId("message-agent")).toContainText("Thinking hard");
  await expect(page.getByTestId("task-state")).toContainText("Running");
  await page.getByRole("button", { name: "Cancel" }).click();
  await expect(page.getByTestId("task-state")).toContainText("Cancelled", { timeout: 20_000 });
  await expect(page.getByRole("button", { name: "Cancel" })).toHaveCount(0);
});

test("the board fits a phone screen", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto("/");
  await expect(page.getByTestId("column-queued")).toBeVisible();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await shoot(page, "board-phone");
});

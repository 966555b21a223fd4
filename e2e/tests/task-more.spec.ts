import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { makeRepo, scenarioPrompt, shoot, startTask } from "./wharf";

test.describe.configure({ timeout: 90_000 });

test("a long task opens at its tail and loads older events on scroll to the top", async ({ page, request }) => {
  const steps = Array.from({ length: 700 }, (_, i) => ({ type: "tool_call", id: `t${i}`, title: `Step ${i}`, kind: "other", status: "completed" }));
  const id = await startTask(request, makeRepo(), scenarioPrompt("Many steps", { steps }));
  await page.goto(`/tasks/${id}`);
  await expect(page.getByTestId("task-state")).toContainText("Completed", { timeout: 30_000 });
  // Open it again now that all its events are stored.
  await page.reload();
  const timeline = page.getByTestId("timeline");
  // It opens at the bottom, and stays there.
  await expect(timeline.getByTestId("tool-row").filter({ hasText: /^Step 699/ })).toBeInViewport();
  await expect(page.getByRole("button", { name: "↓ Latest" })).toHaveCount(0);
  // Only the tail was loaded; the first steps come when the user scrolls up.
  await expect(timeline.getByText("Step 0", { exact: true })).toHaveCount(0);
  await expect(timeline.getByRole("button", { name: "Load earlier events" })).toBeAttached();
  await expect(async () => {
    await timeline.hover();
    await page.mouse.wheel(0, -100_000);
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

test("applying a change that conflicts with the base branch shows the conflict and touches nothing", async ({ page, request }) => {
  const repo = makeRepo();
  const id = await startTask(request, repo, scenarioPrompt("Shout two", { steps: [{ type: "write_file", path: "src/app.txt", content: "one\nTWO from the agent\nthree\n" }] }));
  await page.goto(`/tasks/${id}`);
  await expect(page.getByTestId("task-state")).toContainText("Review", { timeout: 20_000 });
  // Meanwhile the user changed the same line on the base branch.
  writeFileSync(path.join(repo, "src", "app.txt"), "one\ntwo from the user\nthree\n");
  execFileSync("git", ["-c", "user.name=U", "-c", "user.email=u@wharf.invalid", "commit", "-qam", "user edit"], { cwd: repo });
  await page.getByRole("tab", { name: /review/i }).click();
  await expect(page.getByTestId("diff-file").filter({ hasText: "src/app.txt" })).toContainText("TWO from the agent");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByTestId("apply-error")).toContainText("src/app.txt");
  await expect(page.getByTestId("task-state")).toContainText("Review");
  await page.getByRole("button", { name: "Discard" }).click();
  await expect(page.getByTestId("task-state")).toContainText("Discarded");
});

import path from "node:path";
import { expect, test, type Locator, type Page } from "@playwright/test";
import { makeRepo, query, scenarioPrompt, shoot, startTask } from "./wharf";

test.describe.configure({ timeout: 120_000 });

type Health = { sandbox: { on: boolean; mode: string; reason: string } | null };

const screenshots = path.join(import.meta.dirname, "..", "screenshots");

/** A close-up of one element in light and dark (the badge is small on a full page). */
async function closeUp(page: Page, element: Locator, name: string) {
  for (const mode of ["light", "dark"] as const) {
    await page.evaluate((m) => {
      document.documentElement.dataset.theme = m;
    }, mode);
    await expect(page.locator("html")).toHaveAttribute("data-theme", mode);
    // Colours ease over 150 ms: the screenshot finishes the transition instead of waiting it out.
    await element.screenshot({ path: path.join(screenshots, `${name}-${mode}.png`), animations: "disabled" });
  }
}

test("the Agents page and a task's header say whether agents run in the OS sandbox, in light and dark", async ({ page, request }) => {
  const health = await query<Health>(request, "health.check");
  expect(health.sandbox).not.toBeNull();
  const on = health.sandbox!.on;
  const label = on ? "Sandboxed" : "Not sandboxed";

  await page.goto("/agents");
  // The heading is named "Agents" alone: the badge is beside it, not part of its name.
  const heading = page.getByRole("heading", { name: "Agents", exact: true });
  await expect(heading).toBeVisible();
  const badge = page.getByTestId("sandbox-badge");
  await expect(badge).toHaveText(label);
  await expect(badge).toHaveAttribute("data-sandbox", on ? "on" : "off");
  await expect(badge).toHaveAttribute("title", on ? /can write only in their worktree/ : /full rights/);
  // The badge sits on the heading's line, centred with it, not pushed below or above it.
  const [h, b] = [await heading.boundingBox(), await badge.boundingBox()];
  expect(b!.y).toBeGreaterThanOrEqual(h!.y - 1);
  expect(b!.y + b!.height).toBeLessThanOrEqual(h!.y + h!.height + 1);
  await closeUp(page, page.getByTestId("agents-header"), "sandbox-badge-agents");
  await shoot(page, "sandbox-badge-agents-page");

  const taskId = await startTask(request, makeRepo(), scenarioPrompt("Say hello", { steps: [{ type: "text", text: "hello" }] }));
  await page.goto(`/tasks/${taskId}`);
  const taskBadge = page.getByTestId("sandbox-badge");
  await expect(taskBadge).toHaveText(new RegExp(`^·?${label}$`));
  await expect(page.getByText("hello", { exact: true })).toBeVisible({ timeout: 30_000 });
  await closeUp(page, page.getByTestId("task-header"), "sandbox-badge-task");
  await shoot(page, "sandbox-badge-task-page");
});

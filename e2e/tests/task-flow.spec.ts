import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { editWithPermission, makeRepo, scenarioPrompt, shoot, startTask } from "./wharf";

test.describe.configure({ timeout: 90_000 });

test("a task runs live, asks for permission, and its change is reviewed and applied", async ({ page }) => {
  const repo = makeRepo();

  await page.goto("/projects");
  await page.getByLabel("Repository path").fill(repo);
  await page.getByRole("button", { name: "Add project" }).click();
  await expect(page.getByTestId("project-row").filter({ hasText: repo })).toBeVisible();

  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Tasks" })).toBeVisible();
  await page.getByRole("button", { name: "New task" }).click();
  const dialog = page.getByRole("dialog", { name: "New task" });
  await dialog.getByLabel("Project").selectOption({ label: path.basename(repo) });
  await dialog.getByLabel("Agent").selectOption("scripted");
  // The API's validation message is shown in the dialog.
  await dialog.getByLabel("Prompt").fill("   ");
  await dialog.getByLabel("Prompt").press("Control+Enter");
  await expect(dialog.getByTestId("create-error")).toContainText("Write a prompt: it is empty.");
  await dialog.getByLabel("Prompt").fill(scenarioPrompt("Write a greeting file", editWithPermission("hello.txt", "hello from the agent\n")));
  await dialog.getByLabel("Prompt").press("Control+Enter");

  await expect(page).toHaveURL(/\/tasks\/[0-9a-f-]{36}$/);
  const timeline = page.getByTestId("timeline");
  await expect(timeline.getByTestId("message-agent").first()).toContainText("Let me look at the project first.");
  await expect(timeline.getByTestId("plan")).toContainText("Write the greeting");
  await expect(timeline.getByTestId("tool-row").filter({ hasText: "Read src/app.txt" })).toContainText("done");

  const modal = page.getByTestId("permission-modal");
  await expect(modal).toBeVisible();
  await expect(modal).toContainText("Write hello.txt");
  await expect(modal).toContainText("hello from the agent");
  await expect(modal.locator("button[data-kind]")).toHaveCount(3);
  await expect(page.getByTestId("task-state")).toContainText("Needs input");
  await shoot(page, "permission-modal");

  await page.keyboard.press("Enter");
  await expect(modal).toBeHidden();
  await expect(page.getByTestId("task-state")).toContainText("Review", { timeout: 20_000 });
  await expect(timeline.getByTestId("message-agent").last()).toContainText("Done: wrote the file.");
  await expect(timeline.getByTestId("tool-row").filter({ hasText: "Write hello.txt" })).toContainText("done");
  await shoot(page, "timeline");

  await page.getByRole("tab", { name: /review/i }).click();
  const file = page.getByTestId("diff-file").filter({ hasText: "hello.txt" });
  await expect(file).toContainText("hello from the agent");
  await page.getByRole("button", { name: "split" }).click();
  await expect(file).toContainText("hello from the agent");
  await shoot(page, "review-split");
  await page.getByRole("button", { name: "unified" }).click();
  await shoot(page, "review");

  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByTestId("task-state")).toContainText("Applied");
  expect(readFileSync(path.join(repo, "hello.txt"), "utf8")).toBe("hello from the agent\n");

  const taskId = page.url().split("/").pop()!;
  await page.goto("/");
  await expect(page.getByTestId("column-done").locator(`[data-task-id="${taskId}"]`)).toBeVisible();
  await shoot(page, "board");
});

test("a rejected permission is told to the agent and no file is written", async ({ page, request }) => {
  const repo = makeRepo();
  const id = await startTask(request, repo, scenarioPrompt("Try to write nope.txt", editWithPermission("nope.txt", "x\n")));
  await page.goto(`/tasks/${id}`);
  const modal = page.getByTestId("permission-modal");
  await expect(modal).toBeVisible();
  await modal.locator('button[data-kind="reject_once"]').click();
  await expect(modal).toBeHidden();
  await expect(page.getByTestId("timeline").getByTestId("message-agent").last()).toContainText("I was told no and wrote nothing");
  await expect(page.getByTestId("timeline").getByTestId("tool-row").filter({ hasText: "Write nope.txt" })).toContainText("denied");
  await expect(page.getByTestId("task-state")).toContainText("Completed", { timeout: 20_000 });
  expect(existsSync(path.join(repo, "nope.txt"))).toBe(false);
  await page.setViewportSize({ width: 390, height: 844 });
  await shoot(page, "task-phone");
});

test("when one page answers, the other page's permission modal closes", async ({ page, context, request }) => {
  const repo = makeRepo();
  const id = await startTask(request, repo, scenarioPrompt("Write two.txt", editWithPermission("two.txt", "2\n")));
  const other = await context.newPage();
  await page.goto(`/tasks/${id}`);
  await other.goto(`/tasks/${id}`);
  await expect(page.getByTestId("permission-modal")).toBeVisible();
  await expect(other.getByTestId("permission-modal")).toBeVisible();

  await page.getByTestId("permission-modal").locator('button[data-kind="allow_once"]').click();
  await expect(page.getByTestId("permission-modal")).toBeHidden();
  await expect(other.getByTestId("permission-modal")).toBeHidden();
  await expect(other.getByTestId("task-state")).toContainText("Review", { timeout: 20_000 });
});

test("Escape closes the permission modal without answering; the page offers to answer later", async ({ page, request }) => {
  const repo = makeRepo();
  const id = await startTask(request, repo, scenarioPrompt("Write later.txt", editWithPermission("later.txt", "l\n")));
  await page.goto(`/tasks/${id}`);
  const modal = page.getByTestId("permission-modal");
  await expect(modal).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(modal).toBeHidden();
  await expect(page.getByTestId("task-state")).toContainText("Needs input");
  await page.getByRole("button", { name: "Answer" }).click();
  await expect(modal).toBeVisible();
  await modal.locator('button[data-kind="allow_once"]').click();
  await expect(page.getByTestId("task-state")).toContainText("Review", { timeout: 20_000 });

  // A follow-up prompt goes to the same session; this scenario has a single turn.
  await page.getByLabel("Follow-up prompt").fill("And one more thing");
  await page.getByLabel("Follow-up prompt").press("Control+Enter");
  const timeline = page.getByTestId("timeline");
  await expect(timeline.getByTestId("message-user").last()).toContainText("And one more thing");
  await expect(timeline.getByTestId("message-agent").last()).toContainText("The scenario has no turn", { timeout: 20_000 });
});

test("the board updates live and other pages show a badge and a toast for a waiting agent", async ({ page, request }) => {
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Tasks" })).toBeVisible();
  const repo = makeRepo();
  const id = await startTask(request, repo, scenarioPrompt("Wait for me", editWithPermission("wait.txt", "w\n")));
  const card = page.locator(`[data-task-id="${id}"]`);
  await expect(page.getByTestId("column-needs_input").locator(`[data-task-id="${id}"]`)).toBeVisible({ timeout: 20_000 });
  await expect(card.getByTestId("needs-input-badge")).toBeVisible();
  await expect(page.getByTestId("pending-badge")).toBeVisible();
  const toast = page.getByTestId("permission-toast");
  await expect(toast).toContainText("Write wait.txt");
  await shoot(page, "board-needs-input");
  await toast.getByRole("link", { name: "Answer" }).click();
  await expect(page).toHaveURL(new RegExp(`/tasks/${id}$`));
  await page.getByTestId("permission-modal").locator('button[data-kind="allow_once"]').click();
  // The modal closes when the answer is stored (its resolved event); only then leave the page.
  await expect(page.getByTestId("permission-modal")).toBeHidden();
  await page.goto("/");
  await expect(page.getByTestId("column-review").locator(`[data-task-id="${id}"]`)).toBeVisible({ timeout: 20_000 });
  await expect(page.getByTestId("pending-badge")).toHaveCount(0);
});

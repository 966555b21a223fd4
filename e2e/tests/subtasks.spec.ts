import { expect, test } from "@playwright/test";
import { makeRepo, mutate, scenarioPrompt, shoot } from "./wharf";

test.describe.configure({ timeout: 90_000 });

const hold = (title: string) => scenarioPrompt(title, { steps: [{ type: "text", text: "Working on it…" }, { type: "sleep", ms: 60_000 }] });

test("a blocked subtask shows why on its card and page; cancelling its parent asks whether to cancel it too", async ({ page, request }) => {
  const project = await mutate<{ id: string }>(request, "project.create", { path: makeRepo() });
  const create = (prompt: string, extra: Record<string, unknown> = {}) =>
    mutate<{ id: string; state: string }>(request, "task.create", { projectId: project.id, agentId: "scripted", prompt, ...extra });
  const parent = await create(hold("Split the parser work"));
  const first = await create(hold("Fix the parser"), { parentId: parent.id });
  const second = await create(hold("Use the new parser"), { parentId: parent.id, dependsOn: [first.id] });
  expect(second.state).toBe("blocked");

  await page.goto("/");
  const card = page.getByTestId("column-queued").locator(`[data-task-id="${second.id}"]`);
  await expect(card).toBeVisible();
  await expect(card.getByTestId("card-status")).toHaveText(`waiting for #${first.id.slice(0, 8)}: Fix the parser`);
  await expect(card.getByTestId("card-parent")).toContainText(`#${parent.id.slice(0, 8)}`);
  await expect(card.getByTestId("state-badge")).toHaveText("Blocked");
  await expect(page.locator(`[data-task-id="${parent.id}"]`).getByTestId("card-subtasks")).toHaveText("0/2 subtasks done");
  await shoot(page, "subtasks-board");

  await page.goto(`/tasks/${second.id}`);
  const tree = page.getByTestId("task-tree");
  await expect(tree.getByTestId("blocked-reason")).toContainText("waiting for #");
  await expect(tree.getByTestId("task-parent")).toContainText("Split the parser work");
  await expect(tree.getByTestId("task-depends-on")).toContainText("Fix the parser");
  await shoot(page, "subtasks-blocked-task");

  await tree.getByTestId("task-parent").getByRole("link").click();
  await expect(page).toHaveURL(new RegExp(`/tasks/${parent.id}$`));
  const subtasks = page.getByTestId("task-subtasks");
  await expect(subtasks.getByRole("link")).toHaveCount(2);
  await expect(subtasks.getByRole("link").filter({ hasText: "Use the new parser" })).toContainText("Blocked");
  await expect(page.getByTestId("task-state")).toContainText("Running", { timeout: 20_000 });
  await page.getByRole("button", { name: "Cancel", exact: true }).click();
  const confirm = page.getByTestId("cancel-subtasks-confirm");
  await expect(confirm).toContainText("This task has 2 subtasks still waiting or running.");
  await shoot(page, "subtasks-cancel-confirm");
  await confirm.getByRole("button", { name: "Cancel with subtasks" }).click();
  await expect(page.getByTestId("task-state")).toContainText("Cancelled", { timeout: 20_000 });
  await expect(subtasks.getByRole("link").filter({ hasText: "Use the new parser" })).toContainText("Cancelled");
  await expect(subtasks.getByRole("link").filter({ hasText: "Fix the parser" })).toContainText("Cancelled", { timeout: 20_000 });
});

test("a subtask made on its parent's page can wait for a sibling", async ({ page, request }) => {
  const project = await mutate<{ id: string }>(request, "project.create", { path: makeRepo() });
  const create = (prompt: string, extra: Record<string, unknown> = {}) =>
    mutate<{ id: string; state: string }>(request, "task.create", { projectId: project.id, agentId: "scripted", prompt, ...extra });
  const parent = await create(hold("Plan the release"));
  const sibling = await create(hold("Write the changelog"), { parentId: parent.id });

  await page.goto(`/tasks/${parent.id}`);
  await page.getByRole("button", { name: "New subtask" }).click();
  const dialog = page.getByRole("dialog", { name: "New subtask" });
  await expect(dialog).toContainText("A subtask of “Plan the release”.");
  await expect(dialog.getByLabel("Project")).toBeDisabled();
  const waitsFor = dialog.getByTestId("depends-on");
  // The parent itself is not offered: it waits for its subtasks.
  await expect(waitsFor.getByRole("checkbox")).toHaveCount(1);
  await waitsFor.getByRole("checkbox", { name: /Write the changelog/ }).check();
  await dialog.getByLabel("Agent").selectOption("scripted");
  await dialog.getByLabel("Prompt").fill(hold("Tag the release"));
  await shoot(page, "subtasks-new-subtask");
  await dialog.getByLabel("Prompt").press("Control+Enter");

  // The dialog opens the new subtask's page.
  await expect(page).not.toHaveURL(new RegExp(parent.id));
  await expect(page).toHaveURL(/\/tasks\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId("task-state")).toContainText("Blocked");
  const tree = page.getByTestId("task-tree");
  await expect(tree.getByTestId("blocked-reason")).toContainText(`waiting for #${sibling.id.slice(0, 8)}: Write the changelog`);
  await expect(tree.getByTestId("task-parent")).toContainText("Plan the release");

  // Started by hand, it runs without waiting.
  await tree.getByRole("button", { name: "Start anyway" }).click();
  await expect(page.getByTestId("task-state")).toContainText("Running", { timeout: 20_000 });
  await expect(page.getByTestId("blocked-reason")).toHaveCount(0);
  for (const id of [parent.id, sibling.id, page.url().split("/").pop()!]) await mutate(request, "task.cancel", { id });
});

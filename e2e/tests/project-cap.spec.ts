import { expect, test } from "@playwright/test";
import { makeRepo, mutate, query, shoot } from "./wharf";

test("a person caps how many of a project's tasks run at once, from the Projects page", async ({ page, request }) => {
  const repo = makeRepo();
  const project = await mutate<{ id: string }>(request, "project.create", { path: repo });

  await page.goto("/projects");
  const row = page.getByTestId("project-row").filter({ hasText: repo });
  await row.getByRole("button", { name: "Workspace" }).click();
  const form = row.getByTestId("workspace-form");
  const field = form.getByLabel("Running at once");
  await expect(field).toHaveValue("");
  // A cap of 0 would stop the project: the browser refuses it at the field, nothing is saved.
  await field.fill("0");
  await form.getByRole("button", { name: "Save workspace" }).click();
  expect(await field.evaluate((input: HTMLInputElement) => input.validationMessage)).not.toBe("");
  await expect(form).toBeVisible();
  await shoot(page, "project-cap-error");
  expect((await query<{ maxRunning: number | null }>(request, "project.get", { id: project.id })).maxRunning).toBeNull();

  await field.fill("2");
  await field.press("Enter");
  await expect(form).toBeHidden();
  await expect(row).toContainText("at most 2 running");
  await shoot(page, "project-cap-saved");
  expect((await query<{ maxRunning: number | null }>(request, "project.get", { id: project.id })).maxRunning).toBe(2);

  // Emptied: no cap again.
  await row.getByRole("button", { name: "Workspace" }).click();
  await expect(form.getByLabel("Running at once")).toHaveValue("2");
  await form.getByLabel("Running at once").fill("");
  await form.getByRole("button", { name: "Save workspace" }).click();
  await expect(form).toBeHidden();
  await expect(row).not.toContainText("running");
  expect((await query<{ maxRunning: number | null }>(request, "project.get", { id: project.id })).maxRunning).toBeNull();
});

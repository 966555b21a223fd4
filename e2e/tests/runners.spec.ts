import path from "node:path";
import { expect, test, type Locator, type Page } from "@playwright/test";
import { mutate, query, shoot } from "./wharf";

const screenshots = path.join(import.meta.dirname, "..", "screenshots");

/** A close-up of one element in light and dark (a field deep in a scrolling dialog). */
async function closeUp(page: Page, element: Locator, name: string) {
  const theme = await page.evaluate(() => document.documentElement.dataset.theme);
  // In the middle of the dialog's scrolling body, clear of its sticky footer.
  await element.evaluate((el) => el.scrollIntoView({ block: "center" }));
  for (const mode of ["light", "dark"] as const) {
    await page.evaluate((m) => {
      document.documentElement.dataset.theme = m;
    }, mode);
    await expect(page.locator("html")).toHaveAttribute("data-theme", mode);
    await element.screenshot({ path: path.join(screenshots, `${name}-${mode}.png`), animations: "disabled" });
  }
  await page.evaluate((t) => {
    document.documentElement.dataset.theme = t ?? "light";
  }, theme);
}

test.describe.configure({ timeout: 120_000 });

type RunnerRow = { id: string; hostname: string; agents: string[]; live: boolean };

test("the runners page shows the live runner with its agents, and follows a change of agents without a reload", async ({ page, request }) => {
  const runners = await query<RunnerRow[]>(request, "runner.list");
  const runner = runners.find((r) => r.live);
  expect(runner, "the stack's runner is registered").toBeTruthy();

  await page.goto("/");
  await page.getByRole("link", { name: "Runners" }).click();
  await expect(page).toHaveURL(/\/runners$/);
  await expect(page.getByRole("heading", { name: "Runners", exact: true })).toBeVisible();
  const row = page.locator(`[data-runner-id="${runner!.id}"]`);
  await expect(row).toContainText(runner!.hostname);
  await expect(row).toContainText("live");
  await expect(row.getByLabel("Agents on this host")).toContainText("scripted");

  // An agent whose command exists on this host: the runner finds it (told by NOTIFY), and the page,
  // subscribed to the runners' NOTIFY, shows it; deleting it takes it away again.
  const node = process.execPath;
  await mutate(request, "agent.upsert", { id: "runners-page-extra", name: "Extra", transport: "acp", command: node, args: ["-e", "0"], maxRunning: 2 });
  await expect(row.getByLabel("Agents on this host")).toContainText("runners-page-extra", { timeout: 15_000 });
  await shoot(page, "runners");
  await mutate(request, "agent.delete", { id: "runners-page-extra" });
  await expect(row.getByLabel("Agents on this host")).not.toContainText("runners-page-extra", { timeout: 15_000 });
});

test("the agent form sets and clears an agent's fleet-wide cap", async ({ page, request }) => {
  await mutate(request, "agent.upsert", { id: "cap-form", name: "Capped", transport: "acp", command: process.execPath, args: ["-e", "0"] });
  await page.goto("/agents");
  await page.locator('[data-agent-id="cap-form"]').getByRole("button", { name: "Edit Capped" }).click();
  const dialog = page.getByRole("dialog", { name: "Edit Capped" });
  const field = dialog.getByRole("spinbutton", { name: "At most running at once, across all runners" });
  await expect(field).toHaveValue("");
  await field.fill("2");
  await closeUp(page, dialog.getByTestId("agent-max-running"), "agent-cap");
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog).toBeHidden();
  expect((await query<{ maxRunning: number | null }>(request, "agent.get", { id: "cap-form" })).maxRunning).toBe(2);

  await page.locator('[data-agent-id="cap-form"]').getByRole("button", { name: "Edit Capped" }).click();
  await expect(field).toHaveValue("2");
  await field.fill("");
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog).toBeHidden();
  expect((await query<{ maxRunning: number | null }>(request, "agent.get", { id: "cap-form" })).maxRunning).toBeNull();
  await mutate(request, "agent.delete", { id: "cap-form" });
});

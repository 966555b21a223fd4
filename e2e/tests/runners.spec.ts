import { expect, test } from "@playwright/test";
import { mutate, query, shoot } from "./wharf";

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

import { expect, test } from "@playwright/test";
import { makeRepo, scenarioPrompt, startTask } from "./wharf";

// Another time zone and language than the server's, and a CPU slowed 8×, so seconds pass between
// the server's render and hydration: the text the browser renders first must still be the
// server's, or React throws the server's HTML away and renders the page again (error #418).
test.use({ timezoneId: "Asia/Tokyo", locale: "de-DE" });

test("the board and the task page hydrate the server's HTML without a mismatch", async ({ page, request, context }) => {
  test.setTimeout(120_000);
  const errors: string[] = [];
  let where = "";
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`${where}: ${message.text()}`);
  });
  page.on("pageerror", (error) => errors.push(`${where}: ${String(error)}`));
  const id = await startTask(request, makeRepo(), scenarioPrompt("Hydrate", { steps: [{ type: "text", text: "Hello **there**" }] }));
  await page.goto(`/tasks/${id}`);
  await expect(page.getByTestId("task-state")).toContainText("Completed", { timeout: 30_000 });
  const cdp = await context.newCDPSession(page);
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: 8 });
  for (const round of [1, 2]) {
    where = `task page, visit ${round}`;
    await page.goto(`/tasks/${id}`);
    await expect(page.locator("[data-testid=timeline][data-ready]")).toBeAttached({ timeout: 30_000 });
    where = `board, visit ${round}`;
    await page.goto("/");
    await expect(page.locator("[data-testid=board-columns][data-ready]")).toBeAttached({ timeout: 30_000 });
    // The card of the task just made shows its age in seconds: the text most likely to differ.
    await expect(page.locator(`[data-task-id="${id}"]`)).toBeVisible();
  }
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: 1 });
  expect(errors).toEqual([]);

  // Timestamps are in the browser's zone once the page is live, not the server's: the server's
  // HTML says UTC, the render after hydration local time (Tokyo here, never the same as UTC).
  const tokyo = (iso: string) => {
    const d = new Date(new Date(iso).getTime() + 9 * 3600_000);
    const two = (n: number) => String(n).padStart(2, "0");
    return `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
  };
  const card = page.locator(`[data-task-id="${id}"] [data-testid=card-created]`);
  await page.goto(`/tasks/${id}`);
  const created = page.getByTestId("task-created");
  const iso = await created.getAttribute("datetime");
  expect(iso).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  await expect(created).toHaveText(tokyo(iso!));
  await page.goto("/");
  await expect(card).toHaveAttribute("title", tokyo(iso!));
});

import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "@playwright/test";
import { makeRepo, mutate, shoot } from "./wharf";

test.describe.configure({ timeout: 120_000 });

const testAgentBin = fileURLToPath(new URL("../../packages/test-agent/bin/wharf-test-agent.mjs", import.meta.url));

/** The scripted agent as a custom agent that runs `scenario` whatever the prompt says: one prompt, different results. */
async function scriptedAgent(request: Parameters<typeof mutate>[0], id: string, name: string, scenario: unknown) {
  await mutate(request, "agent.upsert", { id, name, transport: "acp", command: "/usr/bin/env", args: [`WHARF_SCENARIO=${JSON.stringify(scenario)}`, process.execPath, testAgentBin] });
}

test("best-of-N: one prompt on three attempts of two agents, compared side by side; picking one applies it and discards the others", async ({ page, request }) => {
  await scriptedAgent(request, "bo-upper", "Upper agent", {
    steps: [
      { type: "usage", used: 1800, size: 200_000, cost: { amount: 0.42, currency: "USD" } },
      { type: "write_file", path: "src/app.txt", content: "ONE\ntwo\nthree\n" },
      { type: "text", text: "Upper-cased the first line." },
    ],
  });
  await scriptedAgent(request, "bo-lower", "Lower agent", {
    steps: [
      { type: "write_file", path: "src/app.txt", content: "one\ntwo\nthree\nfour\n" },
      { type: "write_file", path: "NOTES.md", content: "# Notes\n\nAdded a fourth line.\n" },
      { type: "text", text: "Added a line and a note." },
    ],
  });
  const repo = makeRepo();
  await mutate(request, "project.create", { path: repo });

  await page.goto("/");
  await page.getByRole("button", { name: "New task" }).click();
  let dialog = page.getByRole("dialog", { name: "New task" });
  await dialog.getByLabel("Project").selectOption({ label: path.basename(repo) });
  await dialog.getByRole("button", { name: "Compare agents" }).click();
  dialog = page.getByRole("dialog", { name: "Compare agents" });
  await dialog.getByLabel("Agent for attempt 1").selectOption("bo-upper");
  await dialog.getByLabel("Agent for attempt 2").selectOption("bo-lower");
  // "Add attempt" repeats the last row's agent: two runs of the lower agent.
  await dialog.getByRole("button", { name: "+ Add attempt" }).click();
  await expect(dialog.getByLabel("Agent for attempt 3")).toHaveValue("bo-lower");
  await dialog.getByLabel("Prompt").fill("Make the first line of src/app.txt stand out");
  await shoot(page, "best-of-n-dialog");
  await dialog.getByRole("button", { name: "Start 3 attempts" }).click();

  await expect(page).toHaveURL(/\/compare\/[0-9a-f-]{36}$/);
  const groupId = page.url().split("/").pop()!;
  await expect(page.getByRole("heading", { name: "Compare 3 attempts" })).toBeVisible();
  const card = (n: number) => page.locator(`[data-testid="attempt-card"][data-attempt="${n}"]`);
  // States are live: all three reach review without a reload.
  for (const n of [1, 2, 3]) await expect(card(n).getByTestId("state-badge")).toHaveText("Review", { timeout: 60_000 });
  await expect(card(1)).toContainText("Upper agent");
  await expect(card(1).getByTestId("attempt-stats")).toHaveText("1 file +1 −1");
  await expect(card(1).getByTestId("attempt-cost")).toHaveText("0.42 USD");
  await expect(card(2).getByTestId("attempt-stats")).toHaveText("2 files +4 −0");
  await expect(card(3)).toContainText("Lower agent");

  // The file picker: one file's diff across the attempts.
  const files = page.getByTestId("compare-files");
  await expect(files.getByRole("option")).toHaveCount(2);
  await files.getByRole("option", { name: /src\/app\.txt/ }).click();
  const diff = (n: number) => page.locator(`[data-testid="compare-diff"][data-attempt="${n}"]`);
  await expect(diff(1)).toContainText("ONE");
  await expect(diff(2)).toContainText("four");
  await shoot(page, "best-of-n-compare");
  // Keyboard: ↑ moves to the previous file (NOTES.md sorts first), which the first attempt did not touch.
  await page.keyboard.press("ArrowUp");
  await expect(files.getByRole("option", { name: /NOTES\.md/ })).toHaveAttribute("aria-selected", "true");
  await expect(diff(1)).toContainText("did not change this file");
  await expect(diff(3)).toContainText("Added a fourth line.");

  // The board shows the siblings with their badge, which leads back here.
  await page.goto("/");
  const badges = page.getByTestId("card-attempt");
  await expect(badges).toHaveCount(3);
  await expect(badges.filter({ hasText: "attempt 2/3" })).toHaveCount(1);
  await shoot(page, "best-of-n-board");
  await badges.filter({ hasText: "attempt 2/3" }).click();
  await expect(page).toHaveURL(new RegExp(`/compare/${groupId}$`));

  await card(1).getByRole("button", { name: "Pick attempt 1 (Upper agent)" }).click();
  const pick = page.getByTestId("pick-dialog");
  await expect(pick).toContainText("Discarded (their changes and worktrees go): #2 (Lower agent), #3 (Lower agent)");
  await shoot(page, "best-of-n-pick-confirm");
  await pick.getByRole("button", { name: "Apply this one" }).click();
  await expect(pick.getByTestId("pick-result")).toContainText("Attempt 2: discarded");
  await expect(pick.getByTestId("pick-result")).toContainText("Attempt 3: discarded");
  await shoot(page, "best-of-n-picked");
  await pick.getByRole("button", { name: "Close" }).click();

  await expect(card(1).getByTestId("state-badge")).toHaveText("Applied");
  await expect(card(2).getByTestId("state-badge")).toHaveText("Discarded");
  await expect(card(3).getByTestId("state-badge")).toHaveText("Discarded");
  await expect(page.getByRole("button", { name: /Pick attempt/ })).toHaveCount(0);
  expect(readFileSync(path.join(repo, "src/app.txt"), "utf8")).toBe("ONE\ntwo\nthree\n");
  await shoot(page, "best-of-n-after");
  // On a phone the attempts stack and the page does not scroll sideways.
  await page.setViewportSize({ width: 390, height: 844 });
  await expect(card(3)).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await shoot(page, "best-of-n-phone");
});

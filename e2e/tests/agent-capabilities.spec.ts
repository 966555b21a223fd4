import path from "node:path";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { makeRepo, mutate, scenarioPrompt, shoot } from "./wharf";

test.describe.configure({ timeout: 90_000 });

/** The scripted agent's cached capabilities, read the way a script would. */
async function scriptedCapabilities(request: APIRequestContext): Promise<{ modes?: { id: string }[]; commands?: { name: string }[] }> {
  const response = await request.get("/api/trpc/agent.list", { headers: { authorization: `Bearer ${process.env.WHARF_E2E_TOKEN}` } });
  const body = (await response.json()) as { result: { data: { json: Array<{ id: string; capabilities: unknown }> } } };
  return (body.result.data.json.find((a) => a.id === "scripted")?.capabilities ?? {});
}

test("the composer offers the agent's modes and commands, the chosen mode reaches the agent, the follow-up box offers commands", async ({ page, request }) => {
  // The runner probes agents that reported nothing when it starts; wait for the scripted agent's report.
  await expect
    .poll(async () => {
      const caps = await scriptedCapabilities(request);
      return { modes: caps.modes?.map((m) => m.id), commands: caps.commands?.map((c) => c.name) };
    }, { timeout: 30_000 })
    .toEqual({ modes: ["ask", "code"], commands: ["review", "test"] });

  const repo = makeRepo();
  await mutate(request, "project.create", { path: repo });
  await page.goto("/");
  await page.getByRole("button", { name: "New task" }).click();
  const dialog = page.getByRole("dialog", { name: "New task" });
  await dialog.getByLabel("Project").selectOption({ label: path.basename(repo) });
  await dialog.getByLabel("Agent").selectOption("scripted");

  // Modes and models are selects with the agent's default named.
  const mode = dialog.locator('select[name="mode"]');
  await expect(mode.locator("option")).toHaveText(["Agent default (Code)", "Ask", "Code"]);
  await expect(dialog.locator('select[name="model"] option')).toHaveText(["Agent default (test-small)", "test-small", "test-large"]);
  await mode.selectOption("ask");

  // `/` at the start offers the commands: arrows move, Escape closes only the list, Tab inserts.
  const prompt = dialog.getByRole("combobox", { name: "Prompt" });
  await prompt.pressSequentially("/");
  const list = dialog.getByRole("listbox", { name: "Agent commands" });
  await expect(list.getByRole("option")).toHaveCount(2);
  await expect(list.getByRole("option", { name: /\/review/ })).toHaveAttribute("aria-selected", "true");
  await expect(list.getByRole("option", { name: /\/test/ })).toContainText("test name filter");
  await prompt.press("ArrowDown");
  await expect(list.getByRole("option", { name: /\/test/ })).toHaveAttribute("aria-selected", "true");
  await expect(prompt).toHaveAttribute("aria-activedescendant", /.+/);
  await shoot(page, "composer-commands");
  await prompt.press("Escape");
  await expect(list).toBeHidden();
  await expect(dialog).toBeVisible();
  await prompt.pressSequentially("re");
  await expect(list.getByRole("option")).toHaveCount(1);
  await prompt.press("Tab");
  await expect(prompt).toHaveValue("/review ");
  await expect(list).toBeHidden();
  await prompt.pressSequentially("the parser");
  await expect(prompt).toHaveValue("/review the parser");
  await expect(list).toBeHidden();

  // A task created in mode "ask" runs in that mode: the agent says so.
  await prompt.fill(scenarioPrompt("Say which mode you are in", { steps: [{ type: "text", text: "Working in mode {{mode}}." }] }));
  await prompt.press("Control+Enter");
  await expect(page).toHaveURL(/\/tasks\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId("timeline").getByTestId("message-agent").first()).toContainText("Working in mode ask.");
  await expect(page.getByText("· mode ask")).toBeVisible();
  await expect(page.getByTestId("task-state")).toContainText("Completed");

  // The follow-up box offers the commands too (from the task's own commands event).
  const followUp = page.getByRole("combobox", { name: "Follow-up prompt" });
  await followUp.click();
  await followUp.pressSequentially("/t");
  const followList = page.getByRole("listbox", { name: "Agent commands" });
  await expect(followList.getByRole("option")).toHaveText([/\/test/]);
  await expect(followList.getByRole("option")).toContainText("test name filter");
  await shoot(page, "follow-up-commands");
  await followUp.press("Enter");
  await expect(followUp).toHaveValue("/test ");
  await expect(followList).toBeHidden();
});

import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { query, recordApiResponses, shoot, startTaskInDialog } from "./wharf";

test.describe.configure({ timeout: 120_000 });

type AgentRow = { id: string; name: string; command: string; args: string[]; builtin: boolean; available: boolean | null; version: string | null; detectError: string | null };

test("the agents page lists the built-in presets with what was detected, and checks again on demand", async ({ page, request }) => {
  const agents = await query<AgentRow[]>(request, "agent.list");
  for (const id of ["claude-code", "codex", "gemini", "opencode", "goose", "qwen-code", "acp-example", "scripted"]) {
    expect(agents.find((a) => a.id === id)?.builtin, id).toBe(true);
  }

  await page.goto("/agents");
  await expect(page.getByRole("heading", { name: "Agents", exact: true })).toBeVisible();
  const builtins = page.getByRole("region", { name: "Built in agents" });
  // Shipped with Wharf: available, with the version of its package.
  await expect(builtins.locator('[data-agent-id="acp-example"]').getByTestId("agent-status")).toHaveText("available · 1.9.0");
  await expect(builtins.locator('[data-agent-id="scripted"]').getByTestId("agent-status")).toHaveText(/^available · \d+\.\d+\.\d+$/);
  // Every preset shows a status; the ones not installed here say why and how to install them.
  for (const agent of agents.filter((a) => a.builtin)) {
    const row = builtins.locator(`[data-agent-id="${agent.id}"]`);
    await expect(row.getByTestId("agent-status"), agent.id).toHaveText(agent.available ? /^available/ : "not found");
    if (!agent.available) await expect(row.getByTestId("agent-detect-error"), agent.id).toContainText(/not found on PATH.*Install: |does not exist/);
  }

  // Check again: the detection time moves on, and the statuses stay.
  const before = await query<{ detectedAt: string }>(request, "agent.get", { id: "gemini" });
  await page.getByRole("button", { name: "Check again" }).click();
  await expect(page.getByRole("button", { name: "Checking…" })).toBeHidden({ timeout: 15_000 });
  await expect(page.getByRole("button", { name: "Check again" })).toBeEnabled();
  const after = await query<{ detectedAt: string }>(request, "agent.get", { id: "gemini" });
  expect(new Date(after.detectedAt).getTime()).toBeGreaterThan(new Date(before.detectedAt).getTime());
  await expect(builtins.locator('[data-agent-id="acp-example"]').getByTestId("agent-status")).toHaveText("available · 1.9.0");
  await shoot(page, "agents-detected");
  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByRole("button", { name: "+ Add agent" }).click();
  await expect(page.getByRole("dialog", { name: "Add agent" })).toBeVisible();
  await shoot(page, "agent-form-phone");
});

test("a custom ACP agent added in the form runs a task end to end; its secret never leaves the server", async ({ page, request }) => {
  const secret = `sk-e2e-${Date.now()}-do-not-leak`;
  const bodies = await recordApiResponses(page);
  const example = (await query<AgentRow[]>(request, "agent.list")).find((a) => a.id === "acp-example")!;
  expect(example.available).toBe(true);

  await page.goto("/agents");
  await page.getByRole("button", { name: "+ Add agent" }).click();
  const dialog = page.getByRole("dialog", { name: "Add agent" });
  await dialog.getByLabel("Name", { exact: true }).fill("Example over ACP");
  const id = dialog.getByLabel(/^Id/);
  await expect(id).toHaveValue("example-over-acp");
  // The API's validation message is shown next to its field.
  await id.fill("Not An Id");
  await dialog.getByLabel(/^Command/).fill(example.command);
  await dialog.getByLabel(/^Arguments/).fill(example.args.join("\n"));
  await dialog.getByRole("button", { name: "+ Add variable" }).click();
  await dialog.getByLabel("Variable name").fill("EXAMPLE_MODE");
  await dialog.getByLabel("Value of EXAMPLE_MODE").fill("demo");
  await dialog.getByRole("button", { name: "+ Add secret" }).click();
  await dialog.getByLabel("Secret name").fill("EXAMPLE_API_KEY");
  await dialog.getByLabel("Value of EXAMPLE_API_KEY").fill(secret);
  await expect(dialog.getByLabel("Value of EXAMPLE_API_KEY")).toHaveAttribute("type", "password");
  await dialog.getByRole("button", { name: "Add agent" }).click();
  await expect(dialog.getByText("Agent ids are lower-case letters, digits and dashes")).toBeVisible();
  await shoot(page, "agent-form-error");
  await id.fill("example-over-acp");
  await expect(dialog.getByText("Agent ids are lower-case letters, digits and dashes")).toBeHidden();
  await shoot(page, "agent-form");
  await dialog.getByLabel(/^Arguments/).press("Control+Enter");
  await expect(dialog).toBeHidden();

  const custom = page.getByRole("region", { name: "Custom agents" });
  const row = custom.locator('[data-agent-id="example-over-acp"]');
  await expect(row.getByTestId("agent-status")).toHaveText("available · 1.9.0");
  await expect(row).toContainText("EXAMPLE_API_KEY set");
  await expect(row).toContainText(path.basename(example.args[0]!));

  // Editing shows the secret as set, with no value anywhere in the form.
  await row.getByRole("button", { name: "Edit Example over ACP" }).click();
  const edit = page.getByRole("dialog", { name: "Edit Example over ACP" });
  await expect(edit.getByTestId("secret-row")).toContainText("EXAMPLE_API_KEY");
  await expect(edit.getByTestId("secret-row")).toContainText("set");
  await expect(edit.getByRole("button", { name: "Replace EXAMPLE_API_KEY" })).toBeVisible();
  expect(await page.content()).not.toContain(secret);
  await shoot(page, "agent-edit");
  await page.keyboard.press("Escape");
  await expect(edit).toBeHidden();

  // A task with it, created through the UI, runs to its end.
  const taskId = await startTaskInDialog(page, request, "example-over-acp", "Hello, example agent");

  const timeline = page.getByTestId("timeline");
  await expect(timeline.getByTestId("message-agent").first()).toContainText("I'll help you with that.", { timeout: 20_000 });
  // The example agent asks once before its (pretend) edit; allow it.
  const modal = page.getByTestId("permission-modal");
  await expect(modal).toBeVisible({ timeout: 20_000 });
  await modal.locator('button[data-kind^="allow"]').first().click();
  await expect(modal).toBeHidden();
  await expect(timeline.getByTestId("message-agent").last()).toContainText("I've successfully updated the configuration.", { timeout: 20_000 });
  await expect(page.getByTestId("task-state")).toContainText(/Completed|Review/, { timeout: 20_000 });
  const task = await query<{ agent: { id: string }; state: string; error: string | null }>(request, "task.get", { id: taskId });
  expect(task.agent.id).toBe("example-over-acp");
  expect(task.error).toBeNull();

  // The agent now has a task: it cannot be deleted, and the page says why.
  await page.goto("/agents");
  await page.locator('[data-agent-id="example-over-acp"]').getByRole("button", { name: "Edit Example over ACP" }).click();
  await expect(page.getByRole("button", { name: "Delete agent…" })).toBeDisabled();
  await page.keyboard.press("Escape");

  // No response the browser received, and no page, carries the secret value; scripts get names only.
  expect(await page.content()).not.toContain(secret);
  const fromApi = await query<{ secretEnvKeys: string[] }>(request, "agent.get", { id: "example-over-acp" });
  expect(fromApi.secretEnvKeys).toEqual(["EXAMPLE_API_KEY"]);
  expect(JSON.stringify(fromApi)).not.toContain(secret);
  expect(JSON.stringify(await query(request, "agent.list"))).not.toContain(secret);
  const html = await (await request.get("/agents")).text();
  expect(html).not.toContain(secret);
  const seen = await bodies();
  expect(seen.length).toBeGreaterThan(5);
  expect(seen.some((b) => b.includes("EXAMPLE_API_KEY"))).toBe(true);
  for (const body of seen) expect(body).not.toContain(secret);
  // Nor does anything the web server or the runner logged.
  expect(readFileSync(path.join(import.meta.dirname, "..", "logs", "stack.log"), "utf8")).not.toContain(secret);
});

import path from "node:path";
import { expect, test } from "@playwright/test";
import { makeRepo, mutate, query, scenarioPrompt, shoot } from "./wharf";

test.describe.configure({ timeout: 120_000 });

/** A tiny HTTP server that says which worktree it runs in and on which port. */
const webService = `node -e "require('http').createServer((q, s) => s.end('served from ' + require('path').basename(process.cwd()) + ' on ' + process.env.PORT)).listen(+process.env.PORT, '127.0.0.1', () => console.log('listening on ' + process.env.PORT))"`;

test("a person configures setup and a service, watches setup stream, and runs services of two tasks side by side", async ({ page, request }) => {
  const repo = makeRepo();
  const project = await mutate<{ id: string }>(request, "project.create", { path: repo });

  await page.goto("/projects");
  const row = page.getByTestId("project-row").filter({ hasText: repo });
  await row.getByRole("button", { name: "Workspace" }).click();
  const form = row.getByTestId("workspace-form");
  await form.getByLabel("Setup script").fill('for i in 1 2 3 4 5 6; do echo "installing step $i"; sleep 1; done\necho setup complete');
  await form.getByRole("button", { name: "Add service" }).click();
  // Mistakes are shown next to the field, and nothing is saved.
  await form.getByLabel("Service 1 name").fill("1web");
  await form.getByLabel("Service 1 command").fill(webService);
  await form.getByLabel("Files to copy").fill("../outside.env");
  await form.getByRole("button", { name: "Save workspace" }).click();
  await expect(form.getByTestId("error-services.0.name")).toContainText("starts with a letter");
  await expect(form.getByTestId("error-copyFiles")).toContainText("may not leave the project's checkout");
  await shoot(page, "workspace-settings-errors");
  await form.getByLabel("Service 1 name").fill("web");
  await form.getByLabel("Files to copy").fill("");
  await form.getByRole("button", { name: "Save workspace" }).click();
  await expect(form).toBeHidden();
  await expect(row).toContainText("setup · 1 service");
  const saved = await query<{ setupScript: string; services: Array<{ name: string }> }>(request, "project.get", { id: project.id });
  expect(saved.services.map((s) => s.name)).toEqual(["web"]);

  // A task: its setup step streams in the timeline before the agent speaks.
  await page.goto("/");
  await page.getByRole("button", { name: "New task" }).click();
  const dialog = page.getByRole("dialog", { name: "New task" });
  await dialog.getByLabel("Project").selectOption({ label: path.basename(repo) });
  await dialog.getByLabel("Agent").selectOption("scripted");
  await dialog.getByLabel("Prompt").fill(scenarioPrompt("Add a page", { steps: [{ type: "write_file", path: "page.txt", content: "one\n" }, { type: "text", text: "Wrote the page." }] }));
  await dialog.getByLabel("Prompt").press("Control+Enter");
  await expect(page).toHaveURL(/\/tasks\/[0-9a-f-]{36}$/);
  const firstId = page.url().split("/").pop()!;
  const timeline = page.getByTestId("timeline");
  const setup = timeline.locator('[data-tool-id^="wharf-setup-"]');
  await expect(setup).toContainText("Setting up…");
  await expect(setup).toContainText("installing step 1");
  await shoot(page, "workspace-setup-streaming");
  await expect(setup).toContainText(/Setup finished in/, { timeout: 20_000 });
  await expect(page.getByTestId("task-state")).toContainText("Review", { timeout: 20_000 });

  // Start its service from the page; the link answers.
  const panel = page.getByTestId("services-panel");
  const service = panel.getByTestId("service").filter({ hasText: "web" });
  await service.getByRole("button", { name: "Start" }).click();
  await expect(service).toHaveAttribute("data-running", "true");
  const firstUrl = (await service.getByTestId("service-link").first().getAttribute("href"))!;
  // Its log says when it listens; then the link answers.
  await service.getByRole("button", { name: "Logs" }).click();
  await expect(service.getByTestId("service-log")).toContainText(`listening on ${new URL(firstUrl).port}`);
  // The service runs in the task's worktree: its folder names the task, or the sandbox's slot it was made in.
  const folderOf = async (id: string) => path.basename((await query<{ worktreePath: string }>(request, "task.get", { id })).worktreePath);
  const firstFolder = await folderOf(firstId);
  expect(await (await request.get(firstUrl)).text()).toBe(`served from ${firstFolder} on ${new URL(firstUrl).port}`);
  await shoot(page, "workspace-service-running");

  // A second task's service runs at the same time on another port.
  const second = await mutate<{ id: string }>(request, "task.create", { projectId: project.id, agentId: "scripted", prompt: scenarioPrompt("Another page", { steps: [{ type: "write_file", path: "other.txt", content: "two\n" }] }) });
  await page.goto(`/tasks/${second.id}`);
  await expect(page.getByTestId("task-state")).toContainText("Review", { timeout: 30_000 });
  const secondService = page.getByTestId("services-panel").getByTestId("service").filter({ hasText: "web" });
  await secondService.getByRole("button", { name: "Start" }).click();
  await expect(secondService).toHaveAttribute("data-running", "true");
  const secondUrl = (await secondService.getByTestId("service-link").first().getAttribute("href"))!;
  await secondService.getByRole("button", { name: "Logs" }).click();
  await expect(secondService.getByTestId("service-log")).toContainText(`listening on ${new URL(secondUrl).port}`);
  expect(new URL(secondUrl).port).not.toBe(new URL(firstUrl).port);
  const secondFolder = await folderOf(second.id);
  expect(secondFolder).not.toBe(firstFolder);
  expect(await (await request.get(secondUrl)).text()).toBe(`served from ${secondFolder} on ${new URL(secondUrl).port}`);
  expect(await (await request.get(firstUrl)).text()).toContain(firstFolder);

  // Discarding the first task stops its service; the second keeps running.
  await page.goto(`/tasks/${firstId}`);
  await page.getByRole("tab", { name: /review/i }).click();
  await page.getByRole("button", { name: "Discard" }).click();
  await expect(page.getByTestId("task-state")).toContainText("Discarded", { timeout: 20_000 });
  await expect(page.getByTestId("services-panel").getByTestId("service").filter({ hasText: "web" })).toHaveAttribute("data-running", "false", { timeout: 20_000 });
  await expect(request.get(firstUrl, { timeout: 2000 })).rejects.toThrow();
  expect(await (await request.get(secondUrl)).text()).toContain(secondFolder);
  await shoot(page, "workspace-service-stopped");
  await mutate(request, "task.stopService", { taskId: second.id, name: "web" });
});

import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { sseEvents } from "@wharf/native-agent/testing";
import { query, recordApiResponses, shoot, startTaskInDialog } from "./wharf";

test.describe.configure({ timeout: 120_000 });

const answer = "Hello from the fake model: nothing to change here.";

/** The smallest OpenAI-compatible server: a model list, and one streamed text answer per chat. */
type FakeModel = { baseUrl: string; authorizations: Array<string | undefined>; modelsAsked: number; close: () => Promise<void> };
async function startFakeModel(): Promise<FakeModel> {
  const authorizations: Array<string | undefined> = [];
  let modelsAsked = 0;
  const server: Server = createServer((req, res) => {
    if (req.method === "GET" && req.url === "/v1/models") {
      modelsAsked++;
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ object: "list", data: [{ id: "fake-coder", object: "model" }] }));
      return;
    }
    if (req.method === "POST" && req.url === "/v1/chat/completions") {
      authorizations.push(req.headers.authorization);
      req.resume();
      req.on("end", () => {
        res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
        for (const data of sseEvents({ text: answer })) res.write(`data: ${data}\n\n`);
        res.end();
      });
      return;
    }
    res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: `no route ${req.method} ${req.url}` } }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    authorizations,
    get modelsAsked() {
      return modelsAsked;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let model: FakeModel;
test.beforeAll(async () => {
  model = await startFakeModel();
});
test.afterAll(async () => {
  await model?.close();
});

test("a native agent added in the form is detected, runs a task on its endpoint, and reports its models; its key never leaves the server", async ({ page, request }) => {
  const secret = `sk-native-e2e-${Date.now()}-do-not-leak`;
  const bodies = await recordApiResponses(page);

  await page.goto("/agents");
  await page.getByRole("button", { name: "+ Add agent" }).click();
  const dialog = page.getByRole("dialog", { name: "Add agent" });
  await dialog.getByLabel("Name", { exact: true }).fill("Local model (fake)");
  await expect(dialog.getByLabel(/^Id/)).toHaveValue("local-model-fake");
  await dialog.getByText("Native (model API)").click();
  await expect(dialog.getByRole("radio", { name: "Native (model API)" })).toBeChecked();
  // No command to give: the settings of the endpoint take its place.
  await expect(dialog.getByLabel(/^Command/)).toBeHidden();
  await expect(dialog.getByLabel(/^Arguments/)).toBeHidden();

  // The API's messages show next to the fields they are about.
  await dialog.getByRole("button", { name: "Add agent" }).click();
  const baseUrl = dialog.getByLabel(/^Base URL/);
  const modelField = dialog.getByLabel(/^Model/);
  await expect(dialog.getByTestId("native-fields")).toContainText("A native agent needs WHARF_NATIVE_BASE_URL");
  await expect(dialog.getByTestId("native-fields")).toContainText("A native agent needs WHARF_NATIVE_MODEL");
  await expect(baseUrl).toHaveAttribute("aria-invalid", "true");
  await baseUrl.fill("http://user:pw@127.0.0.1/v1");
  await modelField.fill("fake-coder, fake-large");
  // Editing a field clears its message until the next save.
  await expect(dialog.getByText("A native agent needs WHARF_NATIVE_MODEL")).toBeHidden();
  await dialog.getByRole("button", { name: "Add agent" }).click();
  await expect(dialog.getByText("WHARF_NATIVE_BASE_URL must not carry credentials")).toBeVisible();
  await shoot(page, "agent-form-native-error");

  await baseUrl.fill(model.baseUrl);
  const key = dialog.getByLabel(/^API key/);
  await expect(key).toHaveAttribute("type", "password");
  await key.fill(secret);
  await shoot(page, "agent-form-native");
  await page.setViewportSize({ width: 390, height: 844 });
  await shoot(page, "agent-form-native-phone");
  await page.setViewportSize({ width: 1280, height: 720 });
  await key.press("Control+Enter");
  await expect(dialog).toBeHidden();

  // Detection asked the endpoint for its models (without the key) and found it there.
  const row = page.getByRole("region", { name: "Custom agents" }).locator('[data-agent-id="local-model-fake"]');
  await expect(row.getByTestId("agent-status")).toHaveText("available");
  expect(model.modelsAsked).toBeGreaterThan(0);
  await expect(row).toContainText(`fake-coder, fake-large at ${model.baseUrl}`);
  await expect(row).toContainText("WHARF_NATIVE_API_KEY set");
  await expect(row.getByTestId("agent-reported")).toHaveCount(0);

  // Editing shows the key as set, with its value nowhere in the page.
  await row.getByRole("button", { name: "Edit Local model (fake)" }).click();
  const edit = page.getByRole("dialog", { name: "Edit Local model (fake)" });
  await expect(edit.getByRole("radio", { name: "Native (model API)" })).toBeChecked();
  await expect(edit.getByLabel(/^Base URL/)).toHaveValue(model.baseUrl);
  await expect(edit.getByLabel(/^Model/)).toHaveValue("fake-coder,fake-large");
  await expect(edit.getByTestId("api-key")).toContainText("set");
  await expect(edit.getByRole("button", { name: "Replace the API key" })).toBeVisible();
  await expect(edit.getByRole("button", { name: "Clear the API key" })).toBeVisible();
  await expect(edit.getByText("WHARF_NATIVE", { exact: false })).toHaveCount(0);
  expect(await page.content()).not.toContain(secret);
  await shoot(page, "agent-edit-native");
  await page.keyboard.press("Escape");
  await expect(edit).toBeHidden();

  // A task with it, created through the New task dialog, gets the model's answer and ends.
  const taskId = await startTaskInDialog(page, request, "local-model-fake", "Say hello, change nothing.");
  await expect(page.getByTestId("timeline").getByTestId("message-agent").last()).toContainText(answer, { timeout: 30_000 });
  await expect(page.getByTestId("task-state")).toContainText(/Completed|Review/, { timeout: 20_000 });
  const task = await query<{ agent: { id: string }; error: string | null }>(request, "task.get", { id: taskId });
  expect(task.agent.id).toBe("local-model-fake");
  expect(task.error).toBeNull();
  // The key reached the endpoint, and only there.
  expect(model.authorizations.length).toBeGreaterThan(0);
  expect(model.authorizations.every((a) => a === `Bearer ${secret}`)).toBe(true);

  // The agent's row now says what it reported: its models, the first the default.
  await page.goto("/agents");
  const reported = page.locator('[data-agent-id="local-model-fake"]').getByTestId("agent-reported");
  await expect(reported.locator("summary")).toHaveText(/Reported: 2 models$/);
  await reported.locator("summary").focus();
  await page.keyboard.press("Enter");
  await expect(reported).toHaveAttribute("open", "");
  await expect(reported.getByTestId("reported-models").locator("> span")).toHaveText(["fake-coder· default", "fake-large"]);
  // The scripted agent reports modes, models and commands: open its list too for the picture.
  const scripted = page.locator('[data-agent-id="scripted"]').getByTestId("agent-reported");
  await expect(scripted.locator("summary")).toHaveText(/Reported: 2 modes · 2 models · 2 commands$/, { timeout: 30_000 });
  await scripted.locator("summary").click();
  await expect(scripted).toContainText("/review");
  await page.setViewportSize({ width: 1280, height: 1000 });
  await shoot(page, "agents-reported");

  // No response the browser received, and no page, carries the key; scripts get its name only.
  expect(await page.content()).not.toContain(secret);
  const fromApi = await query<{ secretEnvKeys: string[]; env: Record<string, string> }>(request, "agent.get", { id: "local-model-fake" });
  expect(fromApi.secretEnvKeys).toEqual(["WHARF_NATIVE_API_KEY"]);
  expect(fromApi.env).toEqual({ WHARF_NATIVE_BASE_URL: model.baseUrl, WHARF_NATIVE_MODEL: "fake-coder,fake-large" });
  expect(JSON.stringify(await query(request, "agent.list"))).not.toContain(secret);
  expect(JSON.stringify(await query(request, "task.get", { id: taskId }))).not.toContain(secret);
  expect(await (await request.get("/agents")).text()).not.toContain(secret);
  expect(await (await request.get(`/tasks/${taskId}`)).text()).not.toContain(secret);
  const seen = await bodies();
  expect(seen.some((b) => b.includes("WHARF_NATIVE_API_KEY"))).toBe(true);
  for (const body of seen) expect(body).not.toContain(secret);
  expect(readFileSync(path.join(import.meta.dirname, "..", "logs", "stack.log"), "utf8")).not.toContain(secret);
});

import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { lastMessage, startFakeOpenAi, type FakeOpenAi, type FakeRequest } from "@wharf/native-agent/testing";
import { makeRepo, mutate, shoot } from "./wharf";

test.describe.configure({ timeout: 90_000 });

/** A fake model: read the file, then edit it, then sum up; the conversation decides. */
function script(request: FakeRequest) {
  const last = lastMessage(request);
  if (last.role === "user") return { text: "Let me look at **src/app.txt** first.", toolCalls: [{ name: "read_file", args: { path: "src/app.txt" } }] };
  const asked = request.body.messages.flatMap((m) => m.tool_calls ?? []).find((c) => c.id === last.tool_call_id)?.function.name;
  if (asked === "read_file") {
    return { text: "The second line should shout.", toolCalls: [{ name: "edit_file", args: { path: "src/app.txt", old_string: "two\n", new_string: "TWO\n" } }] };
  }
  return { text: last.content?.includes("refused") ? "Understood, I left the file alone." : "Done: `two` now shouts." };
}

let model: FakeOpenAi;
test.beforeAll(async () => {
  model = await startFakeOpenAi(script);
});
test.afterAll(async () => {
  await model?.close();
});

test("a native agent's task reads, asks to edit, and shows its steps like any agent's", async ({ page, request }) => {
  await mutate(request, "agent.upsert", {
    id: "native-e2e",
    name: "Local model (fake)",
    transport: "native",
    env: { WHARF_NATIVE_BASE_URL: model.baseUrl, WHARF_NATIVE_MODEL: "fake-coder" },
    secretEnv: { WHARF_NATIVE_API_KEY: "sk-e2e" },
  });
  const repo = makeRepo();
  const project = await mutate<{ id: string }>(request, "project.create", { path: repo });
  const task = await mutate<{ id: string }>(request, "task.create", { projectId: project.id, agentId: "native-e2e", prompt: "Make the second line of src/app.txt shout." });
  await page.goto(`/tasks/${task.id}`);

  const timeline = page.getByTestId("timeline");
  await expect(timeline.getByTestId("message-agent").first()).toContainText("Let me look at src/app.txt first.");
  await expect(timeline.getByTestId("tool-row").filter({ hasText: "Read src/app.txt" })).toContainText("done");
  const modal = page.getByTestId("permission-modal");
  await expect(modal).toBeVisible();
  await expect(modal).toContainText("Edit src/app.txt");
  await expect(modal).toContainText("TWO");
  await shoot(page, "native-permission");

  await modal.locator('button[data-kind="allow_once"]').click();
  await expect(modal).toBeHidden();
  await expect(page.getByTestId("task-state")).toContainText("Review", { timeout: 20_000 });
  await expect(timeline.getByTestId("message-agent").last()).toContainText("now shouts.");
  await expect(timeline.getByTestId("tool-row").filter({ hasText: "Edit src/app.txt" })).toContainText("done");
  await shoot(page, "native-timeline");
  expect(readFileSync(path.join(repo, "src/app.txt"), "utf8")).toBe("one\ntwo\nthree\n");
  expect(model.requests.every((r) => r.authorization === "Bearer sk-e2e")).toBe(true);
});

import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { quietLogger, startEmbeddedPostgres, type EmbeddedPostgres } from "@wharf/db";
import { findFreePort, startStack, type Stack } from "@wharf/scripts/launcher";
import { sessionStorageState } from "../global-setup";
import { makeRepo, scenarioPrompt, shoot } from "./wharf";

// This spec stops PostgreSQL, so it runs a stack of its own (web, runner, its own database)
// next to the shared one, which the other specs keep using undisturbed.
const root = path.resolve(import.meta.dirname, "..", "..");
const logFile = path.join(import.meta.dirname, "..", "logs", "database-down.log");

let database: EmbeddedPostgres;
let dataDir: string;
let home: string;
let stack: Stack;

test.beforeAll(async () => {
  test.setTimeout(120_000);
  mkdirSync(path.dirname(logFile), { recursive: true });
  writeFileSync(logFile, "");
  dataDir = mkdtempSync(path.join(os.tmpdir(), "wharf-e2e-db-down-pg-"));
  home = mkdtempSync(path.join(os.tmpdir(), "wharf-e2e-db-down-"));
  database = await startEmbeddedPostgres({ dataDir, fastInit: true, log: quietLogger });
  const env: NodeJS.ProcessEnv = { ...process.env, WHARF_HOME: home, DATABASE_URL: database.url };
  stack = await startStack({
    root,
    env,
    host: "127.0.0.1",
    port: await findFreePort(),
    log: (source, line) => appendFileSync(logFile, `${source.padEnd(6)} | ${line}\n`),
    healthTimeoutMs: 90_000,
  });
});

test.afterAll(async () => {
  await stack?.stop();
  await database?.stop();
  for (const dir of [home, dataDir]) if (dir) rmSync(dir, { recursive: true, force: true });
});

async function mutate<T>(request: APIRequestContext, procedure: string, input: unknown): Promise<T> {
  const response = await request.post(`${stack.url}/api/trpc/${procedure}`, {
    headers: { authorization: `Bearer ${stack.token}`, "content-type": "application/json" },
    data: { json: input },
  });
  const body = (await response.json()) as { result?: { data: { json: T } }; error?: unknown };
  if (!response.ok() || !body.result) throw new Error(`${procedure} failed: ${JSON.stringify(body.error ?? body)}`);
  return body.result.data.json;
}

const banner = (page: Page) => page.getByTestId("database-down");

test("the board and a task page say the database is down, and recover by themselves when it is back", async ({ browser, request }) => {
  test.setTimeout(120_000);
  const words = Array.from({ length: 40 }, (_, i) => `w${String(i + 1).padStart(2, "0")}`);
  const project = await mutate<{ id: string }>(request, "project.create", { path: makeRepo() });
  const task = await mutate<{ id: string }>(request, "task.create", {
    projectId: project.id,
    agentId: "scripted",
    prompt: scenarioPrompt("Stream through a database outage", { steps: [{ type: "text", text: words.join(" "), chunks: words.length, delayMs: 300 }] }),
  });

  const context = await browser.newContext({ baseURL: stack.url, storageState: sessionStorageState(stack.url, stack.token) });
  const board = await context.newPage();
  const taskPage = await context.newPage();
  await board.goto("/");
  const card = board.getByTestId("task-card").filter({ hasText: "Stream through a database outage" });
  await expect(card).toBeVisible();
  await expect(board.getByTestId("live-dot")).toHaveAttribute("aria-label", "Live updates connected");
  await taskPage.goto(`/tasks/${task.id}`);
  const reply = taskPage.getByTestId("timeline").getByTestId("message-agent");
  await expect(reply).toContainText("w02");

  // PostgreSQL goes away while both pages are open.
  const port = database.port;
  await database.stop();
  for (const page of [board, taskPage]) {
    await expect(banner(page)).toBeVisible({ timeout: 15_000 });
    await expect(banner(page)).toContainText("Wharf cannot reach its database");
    await expect(page.getByTestId("live-dot")).toHaveAttribute("aria-label", /database is unreachable/);
  }
  // Not a blank page: what was there stays, with the state it had.
  await expect(card).toBeVisible();
  await expect(reply).toContainText("w02");
  await expect(taskPage.getByText("The task could not be loaded")).toHaveCount(0);
  await shoot(board, "database-down-board");
  await shoot(taskPage, "database-down-task");

  // Back after a few seconds, on the same port: both pages recover with no reload.
  database = await startEmbeddedPostgres({ dataDir, port, log: quietLogger });
  for (const page of [board, taskPage]) {
    await expect(banner(page)).toHaveCount(0, { timeout: 30_000 });
  }
  // The timeline resumes from its last event: every word once, in order.
  await expect(reply).toContainText(words.join(" "), { timeout: 45_000 });
  const text = (await reply.allInnerTexts()).join(" ").replace(/\s+/g, " ");
  for (const word of words) expect(text.split(word).length - 1, word).toBe(1);
  await expect(taskPage.getByTestId("task-state")).toContainText(/completed|review/i, { timeout: 20_000 });
  // The board follows the task to its end column without a reload.
  await expect(board.getByTestId("column-done").getByTestId("task-card").filter({ hasText: "Stream through a database outage" })).toBeVisible({ timeout: 20_000 });
  await expect(board.getByTestId("live-dot")).toHaveAttribute("aria-label", "Live updates connected");
  await context.close();
});

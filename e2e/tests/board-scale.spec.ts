import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test, type APIRequestContext, type BrowserContext, type Page } from "@playwright/test";
import { quietLogger, startEmbeddedPostgres, type EmbeddedPostgres } from "@wharf/db";
import { seedBoardTasks, testPool } from "@wharf/db/fixtures";
import { findFreePort, startStack, type Stack } from "@wharf/scripts/launcher";
import { sessionStorageState } from "../global-setup";
import { editWithPermission, makeRepo, recordApiResponses, scenarioPrompt, shoot } from "./wharf";

// A board of 10,000 tasks, seeded straight into the database. It runs a stack of its own (web,
// runner, its own database) so the other specs keep a small board.
const root = path.resolve(import.meta.dirname, "..", "..");
const logFile = path.join(import.meta.dirname, "..", "logs", "board-scale.log");
const TASKS = 10_000;
/** Finished cards per page of a column (apps/web/src/lib/board-queries.ts). */
const BOARD_PAGE = 25;

let database: EmbeddedPostgres;
let pool: ReturnType<typeof testPool>;
let dataDir: string;
let home: string;
let stack: Stack;
let projectId: string;
let narwhal: string;

async function mutate<T>(request: APIRequestContext, procedure: string, input: unknown): Promise<T> {
  const response = await request.post(`${stack.url}/api/trpc/${procedure}`, {
    headers: { authorization: `Bearer ${stack.token}`, "content-type": "application/json" },
    data: { json: input },
  });
  const body = (await response.json()) as { result?: { data: { json: T } }; error?: unknown };
  if (!response.ok() || !body.result) throw new Error(`${procedure} failed: ${JSON.stringify(body.error ?? body)}`);
  return body.result.data.json;
}

test.beforeAll(async ({ request }) => {
  test.setTimeout(180_000);
  mkdirSync(path.dirname(logFile), { recursive: true });
  writeFileSync(logFile, "");
  dataDir = mkdtempSync(path.join(os.tmpdir(), "wharf-e2e-board-pg-"));
  home = mkdtempSync(path.join(os.tmpdir(), "wharf-e2e-board-"));
  database = await startEmbeddedPostgres({ dataDir, fastInit: true, log: quietLogger });
  stack = await startStack({
    root,
    env: { ...process.env, WHARF_HOME: home, DATABASE_URL: database.url },
    host: "127.0.0.1",
    port: await findFreePort(),
    log: (source, line) => appendFileSync(logFile, `${source.padEnd(6)} | ${line}\n`),
    healthTimeoutMs: 90_000,
  });
  pool = testPool(database.url, 2);
  projectId = (await mutate<{ id: string }>(request, "project.create", { path: makeRepo() })).id;
  expect(await seedBoardTasks(pool, { projectId, agentId: "scripted", count: TASKS })).toBe(TASKS);
  // One task a search can single out, finished a minute ago (the top of the Done column).
  const { rows } = await pool.query<{ id: string }>(
    `insert into task (id, project_id, agent_id, prompt, state, branch, updated_at, finished_at)
     values (gen_random_uuid(), $1, 'scripted', 'Teach the narwhal parser about tusks', 'applied', 'wharf/tusk-support', now() - interval '1 minute', now() - interval '1 minute')
     returning id`,
    [projectId],
  );
  narwhal = rows[0]!.id;
  await pool.query("analyze task");
});

test.afterAll(async () => {
  await pool?.end();
  await stack?.stop();
  await database?.stop();
  for (const dir of [home, dataDir]) if (dir) rmSync(dir, { recursive: true, force: true });
});

async function openContext(browser: import("@playwright/test").Browser): Promise<BrowserContext> {
  return browser.newContext({ baseURL: stack.url, storageState: sessionStorageState(stack.url, stack.token) });
}

const doneColumn = (page: Page) => page.getByTestId("column-done");

/**
 * Navigation until the Done column shows its first page, the search takes input and the board is
 * live (its scripts took over). The wait is generous: on a shared 2-core machine under load a
 * first visit (code not cached yet) takes seconds. Answers the time and the page's HTML size (the
 * board is rendered with its first data).
 */
async function timeBoard(page: Page): Promise<{ ms: number; htmlBytes: number }> {
  const started = performance.now();
  const response = await page.goto("/");
  await expect(doneColumn(page).getByTestId("task-card").first()).toBeVisible({ timeout: 60_000 });
  await expect(doneColumn(page).getByTestId("column-count")).toContainText(" of ");
  await expect(page.locator("[data-testid=board-columns][data-ready]")).toBeAttached();
  await expect(page.getByTestId("board-search")).toBeEditable();
  const ms = performance.now() - started;
  return { ms, htmlBytes: Buffer.byteLength((await response?.text()) ?? "") };
}

test("a board of 10,000 tasks loads one page per finished column, not the whole board", async ({ browser }) => {
  test.setTimeout(300_000);
  const context = await openContext(browser);
  try {
    // The route's first visit loads its code: not counted.
    const first = await context.newPage();
    await timeBoard(first);
    await first.close();
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const page = await context.newPage();
      // What the board reads from the API on a visit: a board that loaded every task would read megabytes.
      const apiBodies = await recordApiResponses(page);
      const visit = await timeBoard(page);
      times.push(visit.ms);
      await expect(page.getByTestId("task-card")).toHaveCount(BOARD_PAGE + BOARD_PAGE + TASKS / 100);
      // The first data comes in the HTML, later reads from the API (the columns again once the live stream is connected).
      expect(visit.htmlBytes).toBeGreaterThan(0);
      const apiBytes = (await apiBodies()).reduce((sum, body) => sum + Buffer.byteLength(body), 0);
      expect(visit.htmlBytes + apiBytes).toBeLessThan(1_000_000);
      await page.close();
    }
    times.sort((a, b) => a - b);
    // Timing is the benchmark's job (./wharf bench --only board, target 500 ms); here it is only reported
    // (and includes the recording of the API bodies).
    console.log(`board with ${TASKS.toLocaleString("en")} tasks usable after ${times.map((t) => Math.round(t)).join(", ")} ms (median ${Math.round(times[1]!)} ms)`);
  } finally {
    await context.close();
  }
});

test("search, keyboard navigation and archive on a board of 10,000 tasks", async ({ browser }) => {
  test.setTimeout(240_000);
  const context = await openContext(browser);
  const page = await context.newPage();
  try {
    await page.goto("/");
    const done = doneColumn(page);
    await expect(done.getByTestId("task-card")).toHaveCount(BOARD_PAGE, { timeout: 60_000 });
    const total = await done.getByTestId("column-count").textContent();
    expect(total).toMatch(new RegExp(`^${BOARD_PAGE} of [\\d,]+$`));
    await done.getByTestId("show-more").click();
    await expect(done.getByTestId("task-card")).toHaveCount(2 * BOARD_PAGE);
    await expect(page.getByTestId("column-review").getByTestId("task-card")).toHaveCount(TASKS / 100);
    await page.evaluate(() => window.scrollTo(0, 0));
    await shoot(page, "board-10k");

    // Keyboard: the first arrow focuses the first card; j/k and l/h move; Enter opens.
    await page.locator("body").click({ position: { x: 5, y: 5 } });
    await page.keyboard.press("j");
    const focused = () => page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      return el?.dataset.cardColumn === undefined ? null : `${el.dataset.cardColumn}:${el.dataset.cardRow}`;
    });
    // Queued, running and needs input are empty: the first card is in Review (column 3).
    await expect.poll(focused).toBe("3:0");
    await page.keyboard.press("j");
    await page.keyboard.press("ArrowDown");
    await expect.poll(focused).toBe("3:2");
    await page.keyboard.press("k");
    await expect.poll(focused).toBe("3:1");
    await page.keyboard.press("l");
    await expect.poll(focused).toBe("4:1");
    await page.keyboard.press("ArrowRight");
    await expect.poll(focused).toBe("5:1");
    await page.keyboard.press("h");
    await expect.poll(focused).toBe("4:1");
    await expect(page.locator(":focus")).toHaveCSS("box-shadow", /rgb/); // the focus ring is drawn

    // `/` focuses the search; results follow the typing; the id prefix and the branch find it too.
    await page.keyboard.press("/");
    const search = page.getByTestId("board-search");
    await expect(search).toBeFocused();
    await page.keyboard.type("narwhal");
    await expect(done.getByTestId("task-card")).toHaveCount(1);
    await expect(done.getByTestId("column-count")).toHaveText("1");
    await expect(page.getByTestId("column-failed")).toContainText("No matches.");
    await shoot(page, "board-search");
    await search.fill(narwhal.slice(0, 8));
    await expect(done.getByTestId("task-card")).toHaveCount(1);
    await expect(done.getByTestId("task-card")).toHaveAttribute("data-task-id", narwhal);
    await search.fill("tusk-support");
    // A column can show its previous cards for a moment: wait for the one match before reading it.
    await expect(done.getByTestId("task-card")).toHaveCount(1);
    await expect(done.getByTestId("task-card")).toHaveAttribute("data-task-id", narwhal);

    // Escape leaves the search for the cards; Enter opens the focused one.
    await page.keyboard.press("Escape");
    await expect(search).not.toBeFocused();
    await expect(page.locator(":focus")).toHaveAttribute("data-task-id", narwhal);
    await page.keyboard.press("Enter");
    await expect(page).toHaveURL(new RegExp(`/tasks/${narwhal}$`));
    await page.goBack();

    // Archive from the card: it leaves the board and search, shows in the archived view, comes back.
    await page.getByTestId("board-search").fill("narwhal");
    const card = doneColumn(page).getByTestId("task-card");
    await expect(card).toHaveCount(1);
    await card.hover();
    await doneColumn(page).getByTestId("archive-card").click();
    await expect(doneColumn(page)).toContainText("No matches.");
    await page.getByTestId("archived-view").click();
    await expect(page.getByRole("heading", { name: "Archived tasks" })).toBeVisible();
    await expect(doneColumn(page).getByTestId("task-card")).toHaveCount(1);
    await expect(doneColumn(page).getByTestId("task-card")).toHaveAttribute("data-task-id", narwhal);
    await page.getByTestId("board-search").fill("");
    await expect(doneColumn(page).getByTestId("task-card")).toHaveCount(1);
    await shoot(page, "board-archived");
    const { rows } = await pool.query<{ archived: boolean; state: string }>(`select archived_at is not null as archived, state::text from task where id = $1`, [narwhal]);
    expect(rows[0]).toEqual({ archived: true, state: "applied" });
    await doneColumn(page).getByTestId("task-card").hover();
    await doneColumn(page).getByTestId("unarchive-card").click();
    await expect(doneColumn(page)).toContainText("Nothing archived here.");
    await page.getByTestId("archived-view").click();
    await page.getByTestId("board-search").fill("narwhal");
    await expect(doneColumn(page).getByTestId("task-card")).toHaveCount(1);
    await expect(doneColumn(page).getByTestId("task-card")).toHaveAttribute("data-task-id", narwhal);

    // Archive every finished task older than 30 days: about half the seeded ones; review stays.
    await page.getByTestId("board-search").fill("");
    const before = await pool.query<{ n: number }>(
      `select count(*)::int as n from task where archived_at is null and state in ('applied', 'completed', 'discarded', 'failed', 'cancelled') and finished_at < now() - interval '30 days'`,
    );
    await page.getByRole("button", { name: "Archive…" }).click();
    await page.getByLabel("Archive finished tasks older than").selectOption("30");
    await page.getByRole("region", { name: "Archive finished tasks" }).getByRole("button", { name: "Archive", exact: true }).click();
    await expect(page.getByTestId("archive-result")).toHaveText(`Archived ${before.rows[0]!.n.toLocaleString("en")} tasks.`);
    const left = await pool.query<{ n: number }>(`select count(*)::int as n from task where archived_at is null and state in ('applied', 'completed', 'discarded')`);
    // The column keeps the pages this visit loaded ("show more" above: two pages), now out of fewer tasks.
    await expect(doneColumn(page).getByTestId("column-count")).toHaveText(`${2 * BOARD_PAGE} of ${left.rows[0]!.n.toLocaleString("en")}`);
    await expect(page.getByTestId("column-review").getByTestId("task-card")).toHaveCount(TASKS / 100);
  } finally {
    await context.close();
  }
});

test("notifies when a task needs input, once the person turns notifications on, and counts it in the title", async ({ browser, request }) => {
  test.setTimeout(90_000);
  const context = await openContext(browser);
  await context.grantPermissions(["notifications"], { origin: stack.url });
  // Every notification the page shows is recorded.
  await context.addInitScript(() => {
    const shown: { title: string; body: string; tag: string }[] = [];
    (window as unknown as { shownNotifications: typeof shown }).shownNotifications = shown;
    const Original = window.Notification;
    class Recorded extends Original {
      constructor(title: string, options?: NotificationOptions) {
        super(title, options);
        shown.push({ title, body: options?.body ?? "", tag: options?.tag ?? "" });
      }
    }
    Object.defineProperty(window, "Notification", { value: Recorded, configurable: true, writable: true });
  });
  const page = await context.newPage();
  try {
    await page.goto("/");
    const toggle = page.getByTestId("notifications-toggle");
    await expect(toggle).toHaveAttribute("aria-pressed", "false");
    await toggle.click();
    await expect(toggle).toHaveAttribute("aria-pressed", "true");

    const task = await mutate<{ id: string }>(request, "task.create", {
      projectId,
      agentId: "scripted",
      prompt: scenarioPrompt("Ask before writing the notes", editWithPermission("notes.md", "# Notes\n")),
    });
    const shown = () => page.evaluate(() => (window as unknown as { shownNotifications: { title: string; body: string; tag: string }[] }).shownNotifications);
    await expect.poll(shown, { timeout: 30_000 }).toContainEqual(expect.objectContaining({ title: "A task needs your input", tag: `wharf-${task.id}-needs_input` }));
    expect((await shown()).find((n) => n.title === "A task needs your input")?.body).toContain("Ask before writing the notes");
    await expect(page).toHaveTitle(/^\(1\) /);

    // Answering clears the count; turned off, nothing more is shown.
    await toggle.click();
    await expect(toggle).toHaveAttribute("aria-pressed", "false");
    await page.goto(`/tasks/${task.id}`);
    await page.getByRole("dialog").getByRole("button", { name: /allow/i }).first().click();
    await expect(page).not.toHaveTitle(/^\(\d+\) /, { timeout: 30_000 });
  } finally {
    await context.close();
  }
});

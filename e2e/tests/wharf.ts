import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, type APIRequestContext, type Page } from "@playwright/test";
import { editWithPermission as sharedEditWithPermission } from "@wharf/test-agent";

const screenshots = path.join(import.meta.dirname, "..", "screenshots");

/** A real git repository in a temp dir with one commit (`src/app.txt`). */
export function makeRepo(): string {
  const repo = mkdtempSync(path.join(os.tmpdir(), "wharf-e2e-repo-"));
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=Wharf E2E", "-c", "user.email=e2e@wharf.invalid", "-c", "init.defaultBranch=main", ...args], { cwd: repo, stdio: "pipe" });
  git("init", "-q");
  mkdirSync(path.join(repo, "src"));
  writeFileSync(path.join(repo, "src", "app.txt"), "one\ntwo\nthree\n");
  git("add", ".");
  git("commit", "-qm", "initial");
  return repo;
}

/** A prompt that drives the scripted agent: a title line, then the scenario block. */
export function scenarioPrompt(title: string, scenario: unknown): string {
  return `${title}\n\`\`\`scenario\n${JSON.stringify(scenario)}\n\`\`\``;
}

/** The shared scenario (reads, plans, asks to write `file`, writes it only when allowed), with markdown. */
export function editWithPermission(file: string, content: string) {
  return sharedEditWithPermission(file, content, { markdown: true });
}

/** Calls a tRPC mutation over HTTP the way a script would (bearer token, superjson body). */
export async function mutate<T>(request: APIRequestContext, procedure: string, input: unknown): Promise<T> {
  const response = await request.post(`/api/trpc/${procedure}`, {
    headers: { authorization: `Bearer ${process.env.WHARF_E2E_TOKEN}`, "content-type": "application/json" },
    data: { json: input },
  });
  const body = (await response.json()) as { result?: { data: { json: T } }; error?: unknown };
  if (!response.ok() || !body.result) throw new Error(`${procedure} failed: ${JSON.stringify(body.error ?? body)}`);
  return body.result.data.json;
}

/** Calls a tRPC query over HTTP the way a script would (bearer token, superjson input). */
export async function query<T>(request: APIRequestContext, procedure: string, input?: unknown): Promise<T> {
  const search = input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;
  const response = await request.get(`/api/trpc/${procedure}${search}`, { headers: { authorization: `Bearer ${process.env.WHARF_E2E_TOKEN}` } });
  const body = (await response.json()) as { result?: { data: { json: T } }; error?: unknown };
  if (!response.ok() || !body.result) throw new Error(`${procedure} failed: ${JSON.stringify(body.error ?? body)}`);
  return body.result.data.json;
}

/** Adds the repo as a project and starts a scripted task; returns the task id. */
export async function startTask(request: APIRequestContext, repo: string, prompt: string): Promise<string> {
  const project = await mutate<{ id: string }>(request, "project.create", { path: repo });
  const task = await mutate<{ id: string }>(request, "task.create", { projectId: project.id, agentId: "scripted", prompt });
  return task.id;
}

/**
 * Adds a new repository as a project, then starts a task on it with the agent through the New task
 * dialog, as a person would; returns the task's id once its page is open.
 */
export async function startTaskInDialog(page: Page, request: APIRequestContext, agentId: string, prompt: string): Promise<string> {
  const repo = makeRepo();
  await mutate(request, "project.create", { path: repo });
  await page.goto("/");
  await page.getByRole("button", { name: "New task" }).click();
  const newTask = page.getByRole("dialog", { name: "New task" });
  await newTask.getByLabel("Project").selectOption({ label: path.basename(repo) });
  await newTask.getByLabel("Agent").selectOption(agentId);
  await newTask.getByLabel("Prompt").fill(prompt);
  await newTask.getByLabel("Prompt").press("Control+Enter");
  await expect(page).toHaveURL(/\/tasks\/[0-9a-f-]{36}$/);
  return page.url().split("/").pop()!;
}

/** Collects the body of every finished API response (not the live event streams) the page receives. */
export async function recordApiResponses(page: Page): Promise<() => Promise<string[]>> {
  // Bodies are taken on their way to the page, not read back from the browser afterwards: a
  // streamed batch response's body is not always kept by the browser once the page has read it.
  const bodies: string[] = [];
  await page.route("**/api/trpc/**", async (route) => {
    if ((route.request().headers()["accept"] ?? "").includes("text/event-stream")) return route.fallback();
    const response = await route.fetch();
    const body = await response.text();
    bodies.push(body);
    await route.fulfill({ response, body });
  });
  // Waits for the responses still on their way (a board refetches its columns once its live
  // stream connects): a handler left running when the page closes fails the next test.
  return async () => {
    await page.unrouteAll({ behavior: "wait" });
    return [...bodies];
  };
}

/** Saves a light and a dark screenshot of the page as it is. */
export async function shoot(page: Page, name: string) {
  const theme = await page.evaluate(() => document.documentElement.dataset.theme);
  for (const mode of ["light", "dark"] as const) {
    await page.evaluate((m) => {
      document.documentElement.dataset.theme = m;
    }, mode);
    // Colours ease over 150 ms: the screenshot finishes the transition instead of waiting it out.
    await page.screenshot({ path: path.join(screenshots, `${name}-${mode}.png`), animations: "disabled" });
  }
  await page.evaluate((t) => {
    document.documentElement.dataset.theme = t ?? "light";
  }, theme);
  await expect(page.locator("html")).toHaveAttribute("data-theme", theme ?? "light");
}

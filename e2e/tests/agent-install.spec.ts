import { appendFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test, type APIRequestContext, type BrowserContext } from "@playwright/test";
import { knownAgentPresets } from "@wharf/api/agents";
import { findFreePort, startStack, type Stack } from "@wharf/scripts/launcher";
import { startNpmRegistry, type NpmRegistryStandIn } from "@wharf/test-agent/npm-registry";
import { sessionStorageState } from "../global-setup";
import { makeRepo, scenarioPrompt, shoot } from "./wharf";

// One-click install of a built-in agent, with no network: the stack of this file installs from a
// local stand-in for the npm registry (WHARF_NPM_REGISTRY), which publishes the Claude adapter's
// package name and pinned version as a real npm package whose bin starts the scripted test agent.
const root = path.resolve(import.meta.dirname, "..", "..");
const logFile = path.join(import.meta.dirname, "..", "logs", "agent-install.log");
// The package and version Install installs, as the preset pins them.
const { package: pkg, version: pinned, bin } = knownAgentPresets.find((p) => p.id === "claude-code")!.npm!;

let registry: NpmRegistryStandIn;
let home: string;
let stack: Stack;
let context: BrowserContext;

async function call<T>(request: APIRequestContext, procedure: string, input: unknown, method: "query" | "mutation"): Promise<T> {
  const headers = { authorization: `Bearer ${stack.token}`, "content-type": "application/json" };
  const response =
    method === "mutation"
      ? await request.post(`${stack.url}/api/trpc/${procedure}`, { headers, data: { json: input } })
      : await request.get(`${stack.url}/api/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`, { headers });
  const body = (await response.json()) as { result?: { data: { json: T } }; error?: unknown };
  if (!response.ok() || !body.result) throw new Error(`${procedure} failed: ${JSON.stringify(body.error ?? body)}`);
  return body.result.data.json;
}

test.beforeAll(async ({ browser }) => {
  test.setTimeout(180_000);
  mkdirSync(path.dirname(logFile), { recursive: true });
  writeFileSync(logFile, "");
  registry = await startNpmRegistry([{ name: pkg, version: pinned, bin }]);
  home = mkdtempSync(path.join(os.tmpdir(), "wharf-e2e-install-"));
  const env: NodeJS.ProcessEnv = { ...process.env, WHARF_HOME: home, WHARF_NPM_REGISTRY: registry.url, npm_config_cache: path.join(home, "npm-cache") };
  delete env.DATABASE_URL; // a database of its own, in its WHARF_HOME
  stack = await startStack({
    root,
    env,
    host: "127.0.0.1",
    port: await findFreePort(),
    log: (source, line) => appendFileSync(logFile, `${source.padEnd(6)} | ${line}\n`),
    healthTimeoutMs: 90_000,
  });
  context = await browser.newContext({ baseURL: stack.url, storageState: sessionStorageState(stack.url, stack.token) });
});

test.afterAll(async () => {
  await context?.close();
  await stack?.stop();
  await registry?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

test("Install puts an agent from the npm registry into Wharf's folder with progress, and a task runs with it", async ({ request }) => {
  test.setTimeout(150_000);
  const page = await context.newPage();
  await page.goto("/agents");
  const row = page.getByRole("region", { name: "Built in agents" }).locator('[data-agent-id="claude-code"]');
  await expect(row.getByTestId("agent-status")).toHaveText("not found", { timeout: 20_000 });
  const install = row.getByRole("button", { name: "Install Claude Code" });
  await expect(install).toBeVisible();

  // The registry refuses the package: said so, with npm's own lines, and nothing is installed.
  registry.refuse(403, "tarball");
  await install.click();
  const failure = row.getByTestId("agent-install-error");
  await expect(failure).toContainText("Install failed");
  await expect(failure).toContainText(`refused to give ${pkg}@${pinned} (E403)`);
  await failure.getByText("npm's last lines").click();
  await expect(failure.locator("pre")).toContainText("npm error code E403");
  await expect(row.getByTestId("agent-status")).toHaveText("not found");
  await shoot(page, "agent-install-refused");
  registry.allow();

  // Again, with the download held back: the row shows the install in progress.
  registry.hold();
  await row.getByRole("button", { name: "Install Claude Code" }).click();
  const progress = row.getByTestId("agent-install-progress");
  await expect(progress).toContainText(`Installing ${pkg}@${pinned}`);
  await expect(progress).toContainText(`GET 200 ${pkg}`);
  await expect(row.getByRole("button", { name: "Installing Claude Code" })).toBeDisabled();
  await expect(failure).toBeHidden();
  await shoot(page, "agent-install-progress");
  registry.release();

  await expect(progress).toBeHidden({ timeout: 30_000 });
  await expect(row.getByTestId("agent-status")).toHaveText(`available · ${pinned}`);
  await expect(row.getByTestId("agent-installed")).toHaveText(`Installed v${pinned} in Wharf's agent folder`);
  await expect(row.getByRole("button", { name: "Install Claude Code" })).toHaveCount(0);
  expect(existsSync(path.join(home, "agents", "node_modules", ".bin", bin))).toBe(true);
  await shoot(page, "agent-installed");

  // A newer version on the registry: Check again offers the update.
  const newer = pinned.replace(/\d+$/, (n) => String(Number(n) + 1));
  registry.publish({ name: pkg, version: newer, bin });
  await page.getByRole("button", { name: "Check again" }).click();
  const update = row.getByRole("button", { name: `Update to v${newer}` });
  await expect(update).toBeVisible({ timeout: 15_000 });
  await expect(row.getByTestId("agent-installed")).toContainText(`v${newer} is available`);
  await shoot(page, "agent-update-available");

  // A task with the installed agent, started as a person would, ends in review with its file.
  const repo = makeRepo();
  await call(request, "project.create", { path: repo }, "mutation");
  await page.goto("/");
  await page.getByRole("button", { name: "New task" }).click();
  const dialog = page.getByRole("dialog", { name: "New task" });
  await dialog.getByLabel("Project").selectOption({ label: path.basename(repo) });
  await dialog.getByLabel("Agent").selectOption("claude-code");
  const scenario = {
    steps: [
      { type: "text", text: "Installed from the registry and running." },
      { type: "write_file", path: "installed.txt", content: "written by the installed agent\n" },
    ],
  };
  await dialog.getByLabel("Prompt").fill(scenarioPrompt("Write installed.txt", scenario));
  await dialog.getByLabel("Prompt").press("Control+Enter");
  await expect(page).toHaveURL(/\/tasks\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId("timeline").getByTestId("message-agent").first()).toContainText("Installed from the registry and running.");
  await expect(page.getByTestId("task-state")).toContainText("Review", { timeout: 30_000 });
  await page.getByRole("tab", { name: /review/i }).click();
  await expect(page.getByTestId("diff-file").filter({ hasText: "installed.txt" })).toContainText("written by the installed agent");
  const taskId = page.url().split("/").pop()!;
  const task = await call<{ agentId: string; state: string }>(request, "task.get", { id: taskId }, "query");
  expect(task).toMatchObject({ agentId: "claude-code", state: "review" });
  await page.close();
});

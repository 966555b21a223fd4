import { expect, test } from "@playwright/test";
import { makeRepo, mutate, query, shoot } from "./wharf";

test.describe.configure({ timeout: 90_000 });

const TOKEN = "mcp-e2e-secret-token-41c7";
const HEADER = "Bearer mcp-e2e-header-93d2";

type Views = { mcpServers: Array<Record<string, unknown>> };

test("a person gives a project MCP servers: mistakes are shown, secrets are stored and never shown again", async ({ page, request }) => {
  const repo = makeRepo();
  const project = await mutate<{ id: string }>(request, "project.create", { path: repo });

  await page.goto("/projects");
  const row = page.getByTestId("project-row").filter({ hasText: repo });
  await row.getByRole("button", { name: "Workspace" }).click();
  const form = row.getByTestId("workspace-form");
  await form.getByRole("button", { name: "Add MCP server" }).click();
  await form.getByLabel("Name of MCP server 1", { exact: true }).fill("git hub");
  await form.getByLabel("Command of MCP git hub").fill("/usr/local/bin/github-mcp-server");
  await form.getByLabel("Arguments of MCP git hub").fill("stdio");
  await form.getByRole("button", { name: "Add variable to MCP git hub" }).click();
  await form.getByLabel("Variable name of MCP git hub").fill("GITHUB_TOKEN");
  await form.getByLabel("Value of GITHUB_TOKEN of MCP git hub").fill(TOKEN);
  await form.getByRole("button", { name: "Add MCP server" }).click();
  await form.getByLabel("Type of MCP server 2").selectOption("http");
  await form.getByLabel("Name of MCP server 2", { exact: true }).fill("search");
  await form.getByLabel("URL of MCP search").fill("not a url");
  await form.getByRole("button", { name: "Add header to MCP search" }).click();
  await form.getByLabel("Header name of MCP search").fill("Authorization");
  await form.getByLabel("Value of Authorization of MCP search").fill(HEADER);
  await form.getByRole("button", { name: "Save workspace" }).click();
  const errors = form.getByTestId("error-mcp");
  await expect(errors.filter({ hasText: "name: An MCP server's name is letters" })).toBeVisible();
  await expect(errors.filter({ hasText: "url: An http(s) URL" })).toBeVisible();
  await shoot(page, "mcp-project-errors");
  await form.getByLabel("Name of MCP git hub", { exact: true }).fill("github");
  await form.getByLabel("URL of MCP search").fill("https://mcp.example.com/mcp");
  await form.getByRole("button", { name: "Save workspace" }).click();
  await expect(form).toBeHidden();

  const saved = await query<Views>(request, "project.get", { id: project.id });
  expect(saved.mcpServers).toEqual([
    { type: "stdio", name: "github", command: "/usr/local/bin/github-mcp-server", args: ["stdio"], envKeys: ["GITHUB_TOKEN"] },
    { type: "http", name: "search", url: "https://mcp.example.com/mcp", headerNames: ["Authorization"] },
  ]);
  expect(JSON.stringify(saved)).not.toContain(TOKEN);

  // Opened again: the secrets are named, not filled; saving without typing keeps them.
  await row.getByRole("button", { name: "Workspace" }).click();
  await expect(form.getByLabel("Value of GITHUB_TOKEN of MCP github")).toHaveValue("");
  await expect(form.getByLabel("Value of GITHUB_TOKEN of MCP github")).toHaveAttribute("placeholder", "set — type to replace");
  await expect(page.locator("body")).not.toContainText(TOKEN);
  await form.getByTestId("mcp-servers").scrollIntoViewIfNeeded();
  await shoot(page, "mcp-project-settings");
  await form.getByRole("button", { name: "Save workspace" }).click();
  await expect(form).toBeHidden();
  expect((await query<Views>(request, "project.get", { id: project.id })).mcpServers).toEqual(saved.mcpServers);
});

test("a person gives an agent its own MCP server in the agent form", async ({ page, request }) => {
  await page.goto("/agents");
  await page.getByRole("button", { name: "+ Add agent" }).click();
  const dialog = page.getByRole("dialog", { name: "Add agent" });
  await dialog.getByLabel("Name", { exact: true }).fill("MCP agent");
  await dialog.getByLabel(/^Command/).fill("/bin/true");
  await dialog.getByRole("button", { name: "Add MCP server" }).click();
  await dialog.getByLabel("Type of MCP server 1").selectOption("sse");
  await dialog.getByLabel("Name of MCP server 1", { exact: true }).fill("events");
  await dialog.getByLabel("URL of MCP events").fill("https://mcp.example.com/sse");
  await dialog.getByRole("button", { name: "Add header to MCP events" }).click();
  await dialog.getByLabel("Header name of MCP events").fill("Authorization");
  await dialog.getByLabel("Value of Authorization of MCP events").fill(HEADER);
  await dialog.getByRole("region", { name: "MCP servers" }).scrollIntoViewIfNeeded();
  await shoot(page, "mcp-agent-form");
  await dialog.getByRole("button", { name: "Add agent" }).click();
  await expect(dialog).toBeHidden();
  const agent = await query<Views>(request, "agent.get", { id: "mcp-agent" });
  expect(agent.mcpServers).toEqual([{ type: "sse", name: "events", url: "https://mcp.example.com/sse", headerNames: ["Authorization"] }]);
  expect(JSON.stringify(agent)).not.toContain(HEADER);
});

test("a person gives a project's agents Wharf's own MCP server with one switch", async ({ page, request }) => {
  const repo = makeRepo();
  const project = await mutate<{ id: string }>(request, "project.create", { path: repo });
  expect((await query<{ wharfMcp: boolean }>(request, "project.get", { id: project.id })).wharfMcp).toBe(false);

  await page.goto("/projects");
  const row = page.getByTestId("project-row").filter({ hasText: repo });
  await row.getByRole("button", { name: "Workspace" }).click();
  const form = row.getByTestId("workspace-form");
  const toggle = form.getByRole("checkbox", { name: /Wharf MCP server/ });
  await expect(toggle).not.toBeChecked();
  await toggle.focus();
  await page.keyboard.press("Space");
  await expect(toggle).toBeChecked();
  await toggle.scrollIntoViewIfNeeded();
  await shoot(page, "wharf-mcp-toggle");
  await form.getByRole("button", { name: "Save workspace" }).click();
  await expect(form).toBeHidden();
  await expect(row).toContainText("Wharf MCP");
  expect((await query<{ wharfMcp: boolean }>(request, "project.get", { id: project.id })).wharfMcp).toBe(true);

  // Off again; the other settings stay as they were.
  await row.getByRole("button", { name: "Workspace" }).click();
  await expect(toggle).toBeChecked();
  await toggle.uncheck();
  await form.getByRole("button", { name: "Save workspace" }).click();
  await expect(form).toBeHidden();
  await expect(row).not.toContainText("Wharf MCP");
  expect(await query<{ wharfMcp: boolean; mcpServers: unknown[] }>(request, "project.get", { id: project.id })).toMatchObject({ wharfMcp: false, mcpServers: [] });
});

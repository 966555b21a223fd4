import { expect, test } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { makeRepo, shoot } from "./wharf";

test("the board opens with its columns", async ({ page }) => {
  await page.goto("/");
  await expect(page).toHaveTitle("Wharf");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Tasks");
  for (const column of ["queued", "running", "needs_input", "review", "done", "failed"]) {
    await expect(page.getByTestId(`column-${column}`)).toBeVisible();
  }
});

test("projects refuse a path that is not a git work tree, with a message that says so", async ({ page }) => {
  await page.goto("/projects");
  await page.getByLabel("Repository path").fill("/definitely/not/here");
  await page.getByRole("button", { name: "Add project" }).click();
  await expect(page.getByTestId("project-error")).toBeVisible();
  await page.getByLabel("Repository path").fill("relative/path");
  await page.getByRole("button", { name: "Add project" }).click();
  await expect(page.getByTestId("project-error")).toContainText("absolute path");
  await shoot(page, "projects-error");
});

test("a project is added by clone URL alone; a URL git cannot read is refused with git's reason", async ({ page }) => {
  await page.goto("/projects");
  await page.getByLabel("Clone URL").fill("/definitely/not/here.git");
  await page.getByRole("button", { name: "Add project" }).click();
  await expect(page.getByTestId("project-error")).toContainText("Check the URL");

  const repo = makeRepo();
  const bare = `${repo}-remote.git`;
  execFileSync("git", ["clone", "-q", "--bare", repo, bare], { stdio: "pipe" });
  await page.getByLabel("Clone URL").fill(bare);
  await page.getByRole("button", { name: "Add project" }).click();
  const row = page.getByTestId("project-row").filter({ hasText: bare });
  await expect(row).toBeVisible();
  await expect(row).toContainText("main");
  await expect(page.getByLabel("Clone URL")).toHaveValue("");
  await shoot(page, "projects-by-url");
});

test("an unknown task says it was not found", async ({ page }) => {
  await page.goto("/tasks/00000000-0000-4000-8000-000000000000");
  await expect(page.getByRole("alert").filter({ hasText: "Task not found" })).toBeVisible();
});

test("agents are listed with their availability", async ({ page }) => {
  await page.goto("/agents");
  await expect(page.getByTestId("agent-row").filter({ hasText: "Scripted test agent" })).toContainText("available");
  await shoot(page, "agents");
});

test("the API refuses a request without the access token", async ({ playwright, baseURL }) => {
  // A client with no session cookie (the default context carries one).
  const request = await playwright.request.newContext({ baseURL, storageState: { cookies: [], origins: [] } });
  const response = await request.get("/api/trpc/health.check");
  expect(response.status()).toBe(401);
  const authorized = await request.get("/api/trpc/health.check", {
    headers: { authorization: `Bearer ${process.env.WHARF_E2E_TOKEN}` },
  });
  expect(authorized.status()).toBe(200);
  await request.dispose();
});

import path from "node:path";
import { expect, test } from "@playwright/test";

const screenshots = path.join(import.meta.dirname, "..", "screenshots");

test("the home page says Wharf is running and the database answers", async ({ page }) => {
  await page.goto("/");
  await expect(page).toHaveTitle("Wharf");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Wharf is running");
  await expect(page.getByTestId("database-status")).toContainText("connected");
  await page.screenshot({ path: path.join(screenshots, "home.png"), fullPage: true });
});

test("the API refuses a request without the access token", async ({ request }) => {
  const response = await request.get("/api/trpc/health.check");
  expect(response.status()).toBe(401);
  const authorized = await request.get("/api/trpc/health.check", {
    headers: { authorization: `Bearer ${process.env.WHARF_E2E_TOKEN}` },
  });
  expect(authorized.status()).toBe(200);
});

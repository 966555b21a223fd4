import { expect, test } from "@playwright/test";

// DNS rebinding: a foreign name in Host is refused for pages and for the API alike.
test("a request for a foreign host name is refused, pages and API", async ({ request, baseURL }) => {
  for (const path of ["/", "/api/trpc/health.check"]) {
    const response = await request.get(`${baseURL}${path}`, { headers: { host: "evil.example" } });
    expect(response.status(), path).toBe(421);
    expect(await response.text()).toContain("does not answer for host");
  }
  const ok = await request.get(`${baseURL}/`);
  expect(ok.status()).toBe(200);
});

test("without a session, pages send the browser to sign in; the token signs it in", async ({ browser, baseURL }) => {
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  await page.goto(`${baseURL}/projects`);
  await expect(page).toHaveURL(/\/login\?next=%2Fprojects/);
  await expect(page.getByRole("heading", { name: "Sign in to Wharf" })).toBeVisible();
  // The page carries no token.
  expect(await page.content()).not.toContain(process.env.WHARF_E2E_TOKEN!);

  await page.getByLabel("Access token").fill("wharf_not_the_token");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText("That is not Wharf's access token")).toBeVisible();

  await page.getByLabel("Access token").fill(process.env.WHARF_E2E_TOKEN!);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/projects$/);
  const cookie = (await context.cookies()).find((c) => c.name === "wharf_session");
  expect(cookie?.httpOnly).toBe(true);
  expect(cookie?.sameSite).toBe("Strict");
  await context.close();
});

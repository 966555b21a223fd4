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

import { defineConfig, devices } from "@playwright/test";

// Debian's Chromium; Playwright never downloads a browser here (./wharf test installs chromium).
const executablePath = process.env.WHARF_CHROMIUM || "/usr/bin/chromium";

export default defineConfig({
  testDir: "./tests",
  outputDir: "./test-results",
  globalSetup: "./global-setup.ts",
  fullyParallel: false,
  workers: 1,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: [["list"], ["json", { outputFile: process.env.WHARF_PLAYWRIGHT_JSON || "test-results/results.json" }]],
  use: {
    // Set by the global setup, which starts the stack on a free port; workers inherit it.
    baseURL: process.env.WHARF_E2E_URL,
    // Written by the global setup too: the session cookie, so pages open signed in.
    storageState: process.env.WHARF_E2E_STORAGE,
    headless: true,
    screenshot: "only-on-failure",
    trace: "off",
  },
  projects: [
    {
      name: "chromium",
      use: {
        ...devices["Desktop Chrome"],
        launchOptions: {
          executablePath,
          args: [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
          ],
        },
      },
    },
  ],
});

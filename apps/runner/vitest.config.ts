import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    globalSetup: ["@wharf/db/testing/global-setup", "./src/testing/warm-test-agent.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});

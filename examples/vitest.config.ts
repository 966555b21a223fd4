import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    globalSetup: ["@wharf/db/testing/global-setup"],
    testTimeout: 60_000,
    hookTimeout: 90_000,
  },
});

import path from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { alias: { "~": path.join(import.meta.dirname, "src") } },
  test: {
    include: ["src/**/*.test.ts"],
    globalSetup: ["@wharf/db/testing/global-setup"],
    // Node 24 has WHATWG EventSource behind this flag; the SSE tests use it as a browser would.
    execArgv: ["--experimental-eventsource"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});

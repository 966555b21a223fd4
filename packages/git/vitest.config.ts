import { defineConfig } from "vitest/config";

// Tests run real git processes (several per step); on a loaded machine one test can take seconds.
export default defineConfig({
  test: {
    testTimeout: 30_000,
  },
});

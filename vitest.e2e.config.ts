import { defineConfig } from "vitest/config";

/**
 * Browser tests (`npm run test:e2e`): the sandbox (demo/sandbox/) in Debian's Chromium via playwright-core.
 * One file at a time: each starts its own sandbox server and browser.
 */
export default defineConfig({
  test: {
    include: ["test/e2e/**/*.test.ts"],
    pool: "forks",
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 150_000,
    teardownTimeout: 15_000,
  },
});

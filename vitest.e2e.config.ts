import { defineConfig } from "vitest/config";

/**
 * End-to-end tests (`npm run test:e2e`): the sandbox (demo/sandbox/) in Debian's Chromium via playwright-core,
 * and `npm run bench -- --json`. One file at a time, after the unit and integration suites: each saturates
 * the machine for a while (a browser, or the benchmark), which would disturb their timing-sensitive tests.
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

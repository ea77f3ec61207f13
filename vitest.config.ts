import { resolve } from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "test/unit/**/*.test.ts",
      "test/integration/**/*.test.ts",
      "test/types/**/*.test.ts",
      "test/kit/**/*.test.ts",
    ],
    testTimeout: 15_000,
    hookTimeout: 15_000,
    pool: "forks",
  },
  // The testing kit as module authors get it: the built file (npm run build:testing), not its sources.
  resolve: { alias: { "@socket-manager/testing": resolve(import.meta.dirname, "testing/dist/index.js") } },
});

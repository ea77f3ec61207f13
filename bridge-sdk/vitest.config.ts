import { resolve } from "node:path";
import { defineConfig } from "vitest/config";

// The SDK's own tests (not part of the root vitest config): npx vitest run --config bridge-sdk/vitest.config.ts
export default defineConfig({
  root: import.meta.dirname,
  // Vitest's cache goes with the root project's, so bridge-sdk/ gets no node_modules folder of its own.
  cacheDir: resolve(import.meta.dirname, "../node_modules/.vite/bridge-sdk"),
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 10_000,
    hookTimeout: 10_000,
  },
});

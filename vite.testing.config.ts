import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { defineConfig } from "vite";

/**
 * The testing kit for module authors (testing/): one ES module for Node with Socket Manager, the simulated
 * Foundry clients and the in-memory relay bundled in (no dependencies, no socket.io).
 */
const pkg = JSON.parse(readFileSync(resolve(__dirname, "package.json"), "utf8")) as { version: string };

export default defineConfig({
  publicDir: false,
  define: { __SOCKET_MANAGER_VERSION__: JSON.stringify(pkg.version) },
  build: {
    target: "node20",
    outDir: "testing/dist",
    emptyOutDir: true,
    sourcemap: true,
    minify: false,
    lib: {
      entry: resolve(__dirname, "testing/src/index.ts"),
      formats: ["es"],
      fileName: () => "index.js",
    },
    // One file: the chunks the module loads on first use are inlined.
    rolldownOptions: { external: [/^node:/], output: { codeSplitting: false } },
  },
});

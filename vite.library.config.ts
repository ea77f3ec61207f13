import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { defineConfig } from "vite";

/**
 * The library for systems and modules that bundle Socket Manager (library/, `@socket-manager/library`): an
 * ES module left readable for the consumer's own bundler to minify; the embedded instance is a chunk of its
 * own that loads only when the module is not there to share.
 */
const pkg = JSON.parse(readFileSync(resolve(__dirname, "package.json"), "utf8")) as { version: string };

export default defineConfig({
  publicDir: false,
  define: { __SOCKET_MANAGER_VERSION__: JSON.stringify(pkg.version) },
  build: {
    target: "es2022",
    outDir: "library/dist",
    emptyOutDir: true,
    sourcemap: true,
    minify: false,
    lib: {
      entry: resolve(__dirname, "src/library/index.ts"),
      formats: ["es"],
      fileName: () => "index.js",
    },
    rolldownOptions: { output: { chunkFileNames: "[name]-[hash].js" } },
  },
});

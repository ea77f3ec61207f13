import { cpSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { defineConfig, type Plugin } from "vite";

/** Copies the static parts of the module so that dist/ is exactly Data/modules/socket-manager/. */
function copyModuleFiles(): Plugin {
  return {
    name: "socket-manager:copy-module-files",
    apply: "build",
    closeBundle() {
      const out = resolve(__dirname, "dist");
      mkdirSync(out, { recursive: true });
      cpSync(resolve(__dirname, "module.json"), resolve(out, "module.json"));
      for (const dir of ["lang", "templates", "styles"]) {
        const from = resolve(__dirname, dir);
        if (existsSync(from)) cpSync(from, resolve(out, dir), { recursive: true });
      }
    },
  };
}

/**
 * The chunk a source file belongs to: what every client loads at start is "core"; the rest loads on first use
 * (`import()` relative to the module's file, so Foundry serves each chunk from the module's folder).
 */
export function chunkOf(id: string): string | null {
  const path = id.replaceAll("\\", "/");
  if (!path.includes("/src/") || path.endsWith("/src/index.ts")) return null;
  const lazy = LAZY_CHUNKS.find(([, pattern]) => pattern.test(path));
  return lazy ? lazy[0] : "core";
}

/** Each chunk that loads on first use, and the source files in it (their dynamic import is their only way in). */
const LAZY_CHUNKS: [string, RegExp][] = [
  ["shared-state", /\/src\/shared\/(?!lazy\.ts|options\.ts|json\.ts)/],
  ["status-window", /\/src\/ui\/status-(?:window|context)\.ts$/],
  [
    "bridge",
    /\/src\/(?:bridge\/(?!lazy\.ts|load\.ts|handlers\.ts|names\.ts|target\.ts|host\.ts)|foundry\/documents\.ts$)/,
  ],
];

const pkg = JSON.parse(readFileSync(resolve(__dirname, "package.json"), "utf8")) as { version: string };

export default defineConfig({
  publicDir: false,
  define: { __SOCKET_MANAGER_VERSION__: JSON.stringify(pkg.version) },
  build: {
    target: "es2022",
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: true,
    minify: true,
    lib: {
      entry: resolve(__dirname, "src/index.ts"),
      formats: ["es"],
      fileName: () => "socket-manager.js",
    },
    // comments: false drops the /* @__PURE__ */ annotations the bundler adds (about 600 B of the bundle).
    rolldownOptions: {
      external: [],
      preserveEntrySignatures: "allow-extension",
      output: {
        minify: true,
        comments: false,
        chunkFileNames: "[name]-[hash].js",
        // A chunk holds only the files named for it: what the core also needs stays in the core.
        codeSplitting: { includeDependenciesRecursively: false, groups: [{ name: chunkOf }] },
      },
    },
  },
  plugins: [copyModuleFiles()],
});

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
    rolldownOptions: { external: [], output: { minify: true, comments: false } },
  },
  plugins: [copyModuleFiles()],
});

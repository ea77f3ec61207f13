/**
 * Builds the library (as `npm run build:library` does, at a chosen version) and sample consumers that bundle
 * it, with the project's bundler, into a temporary folder: what a system or module author's build would do.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "vite";

const REPO = fileURLToPath(new URL("../..", import.meta.url));

/** Builds the library as version `version` into `out`; returns its entry file. */
export async function buildLibrary(version: string, out: string): Promise<string> {
  await build({
    configFile: join(REPO, "vite.library.config.ts"),
    logLevel: "silent",
    define: { __SOCKET_MANAGER_VERSION__: JSON.stringify(version) },
    build: { outDir: out, emptyOutDir: true, sourcemap: false },
  });
  return join(out, "index.js");
}

/** Bundles a consumer's `main.ts` with `library` as `@socket-manager/library`, minified, as its author would. */
export async function buildConsumer(main: string, library: string, out: string): Promise<string> {
  await build({
    configFile: false,
    logLevel: "silent",
    publicDir: false,
    resolve: { alias: { "@socket-manager/library": library } },
    build: {
      outDir: out,
      emptyOutDir: true,
      minify: true,
      sourcemap: false,
      target: "es2022",
      lib: { entry: resolve(main), formats: ["es"], fileName: () => "main.js" },
      rolldownOptions: { output: { chunkFileNames: "[name]-[hash].js" } },
    },
  });
  return join(out, "main.js");
}

export interface Built {
  /** Consumer bundles: the system and module with library 0.1.0 (the module's version in these tests). */
  system: string;
  module: string;
  /** The same module bundling a newer library, 0.2.0. */
  moduleNewer: string;
  dir: string;
}

export async function buildSamples(): Promise<Built> {
  const dir = mkdtempSync(join(tmpdir(), "socket-manager-library-"));
  const lib1 = await buildLibrary("0.1.0", join(dir, "lib-0.1.0"));
  const lib2 = await buildLibrary("0.2.0", join(dir, "lib-0.2.0"));
  const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
  return {
    dir,
    system: await buildConsumer(here("./sample-system/main.ts"), lib1, join(dir, "system")),
    module: await buildConsumer(here("./sample-module/main.ts"), lib1, join(dir, "module")),
    moduleNewer: await buildConsumer(here("./sample-module/main.ts"), lib2, join(dir, "module-newer")),
  };
}

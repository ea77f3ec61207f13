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

const ENTRY = resolve(__dirname, "src/index.ts");

/** Each chunk that loads on first use, and where its files are (their dynamic import is their only way in). */
const LAZY_CHUNKS: [string, RegExp][] = [
  ["shared-state", /\/src\/shared\//],
  ["status-window", /\/src\/ui\/status-(?:window|context)\.ts$/],
  ["bridge", /\/src\/(?:bridge\/|foundry\/documents\.ts$)/],
  ["socketlib", /\/src\/socketlib\//],
  ["requests", /\/src\/services\/(?:requests|request-tracker|answers|answering|deadlines)\.ts$/],
  ["reliable", /\/src\/(?:services\/reliable-delivery|reliability\/(?:reliable|streams|inbox))\.ts$/],
  // Backoff is shared by reliable delivery and the bridge: a file of its own, loaded with whichever comes first.
  ["backoff", /\/src\/reliability\/backoff\.ts$/],
];

interface Graph {
  getModuleInfo(id: string): { importedIds: readonly string[] } | null;
}

/** Every module the entry imports statically, directly or not: what every client loads at start. */
function staticallyReached(graph: Graph): Set<string> {
  const seen = new Set<string>([ENTRY]);
  const queue = [ENTRY];
  for (let i = 0; i < queue.length; i++) {
    for (const id of graph.getModuleInfo(queue[i] ?? "")?.importedIds ?? []) {
      if (seen.has(id)) continue;
      seen.add(id);
      queue.push(id);
    }
  }
  return seen;
}

/**
 * The chunk a source file belongs to: "core" when the entry reaches it through static imports (every client
 * loads it at start), else the lazy chunk of its folder, loaded on first use (`import()` relative to the
 * module's file, so Foundry serves each chunk from the module's folder).
 */
function chunker() {
  let core: Set<string> | null = null;
  return (id: string, graph: Graph): string | null => {
    const path = id.replaceAll("\\", "/");
    if (!path.includes("/src/") || id === ENTRY) return null;
    core ??= staticallyReached(graph);
    if (core.has(id)) return "core";
    return LAZY_CHUNKS.find(([, pattern]) => pattern.test(path))?.[0] ?? null;
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
    rolldownOptions: {
      external: [],
      preserveEntrySignatures: "allow-extension",
      output: {
        minify: true,
        comments: false,
        chunkFileNames: "[name]-[hash].js",
        // A chunk holds only the files named for it: what the core also needs stays in the core.
        codeSplitting: { includeDependenciesRecursively: false, groups: [{ name: chunker() }] },
      },
    },
  },
  plugins: [copyModuleFiles()],
});

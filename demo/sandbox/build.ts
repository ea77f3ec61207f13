/**
 * Builds the sandbox's page scripts (page/control.ts and page/frame.ts, with the browser-safe parts of the
 * simulated Foundry from test/harness/: client, foundry-globals-core, foundry-app) with vite's JS API, in memory: nothing is written to disk, so
 * several sandboxes (a test run and a demo) can build at once.
 */
import { fileURLToPath } from "node:url";
import { build } from "vite";

const PAGE_DIR = fileURLToPath(new URL("./page/", import.meta.url));
const REPO = fileURLToPath(new URL("../../", import.meta.url));
export interface BuiltFile {
  contentType: string;
  body: Buffer;
}

export interface PageBuild {
  /** `fileName` (e.g. `frame.js`) → contents. */
  files: Map<string, BuiltFile>;
  ms: number;
}

export async function buildPages(): Promise<PageBuild> {
  const started = performance.now();
  const result = await build({
    configFile: false,
    root: REPO,
    logLevel: "warn",
    publicDir: false,
    define: { "process.env.NODE_ENV": JSON.stringify("development") },
    build: {
      write: false,
      target: "es2022",
      minify: false,
      sourcemap: "inline",
      reportCompressedSize: false,
      emptyOutDir: false,
      lib: {
        entry: { control: `${PAGE_DIR}control.ts`, frame: `${PAGE_DIR}frame.ts` },
        formats: ["es"],
      },
      rolldownOptions: {
        output: { entryFileNames: "[name].js", chunkFileNames: "[name]-[hash].js" },
      },
    },
  });
  const outputs = Array.isArray(result) ? result : [result];
  const files = new Map<string, BuiltFile>();
  for (const out of outputs) {
    if (!("output" in out)) throw new Error("vite build returned a watcher, not an output");
    for (const item of out.output) {
      const body = item.type === "chunk" ? Buffer.from(item.code) : Buffer.from(item.source);
      files.set(item.fileName, { contentType: contentTypeOf(item.fileName), body });
    }
  }
  if (!files.has("frame.js") || !files.has("control.js")) {
    throw new Error(`the page build produced ${[...files.keys()].join(", ")}, not frame.js and control.js`);
  }
  return { files, ms: Math.round(performance.now() - started) };
}

export function contentTypeOf(name: string): string {
  const ext = name.slice(name.lastIndexOf(".") + 1).toLowerCase();
  switch (ext) {
    case "js":
    case "mjs":
      return "text/javascript; charset=utf-8";
    case "css":
      return "text/css; charset=utf-8";
    case "html":
      return "text/html; charset=utf-8";
    case "json":
    case "map":
      return "application/json; charset=utf-8";
    case "hbs":
    case "txt":
      return "text/plain; charset=utf-8";
    case "svg":
      return "image/svg+xml";
    case "png":
      return "image/png";
    case "webp":
      return "image/webp";
    default:
      return "application/octet-stream";
  }
}

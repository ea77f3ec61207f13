/**
 * 7b. What bundling the library costs a package: bench/library-consumer.ts built as its author would (vite,
 * minified) against library/dist. The start-up part is what the package loads at once; the embedded instance
 * is a chunk loaded only where the Socket Manager module is absent.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { moduleFiles } from "../scripts/chunks";
import { buildConsumer } from "../test/library/build";
import type { ChunkSize } from "./bundle";

const LIBRARY = fileURLToPath(new URL("../library/dist/index.js", import.meta.url));
const CONSUMER = fileURLToPath(new URL("./library-consumer.ts", import.meta.url));

export interface LibraryCost {
  /** What the consumer loads at start: its entry and the chunks it imports statically (its own code included). */
  start: ChunkSize;
  /** Loaded only without the module: the embedded instance and what it needs (shared state among them). */
  lazy: ChunkSize[];
}

export async function measureLibrary(): Promise<LibraryCost> {
  if (!existsSync(LIBRARY)) throw new Error(`${LIBRARY} is missing: run "npm run build" first`);
  const dir = mkdtempSync(join(tmpdir(), "socket-manager-consumer-"));
  try {
    await buildConsumer(CONSUMER, LIBRARY, dir);
    const files = moduleFiles(dir, "main.js");
    const size = (f: string): ChunkSize => {
      const code = readFileSync(join(dir, f));
      return { file: f, minifiedBytes: code.length, gzipBytes: gzipSync(code, { level: 9 }).length };
    };
    const start = files.core.map(size);
    return {
      start: {
        file: files.core.join(" + "),
        minifiedBytes: start.reduce((n, c) => n + c.minifiedBytes, 0),
        gzipBytes: start.reduce((n, c) => n + c.gzipBytes, 0),
      },
      lazy: files.lazy.map(size),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * 7. Bundle size: the built ES module as shipped, minified and gzip -9. The core is what every client loads at
 * start (the entry and the chunks it imports statically); each lazy chunk loads on first use.
 */
import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { moduleFiles } from "../scripts/chunks";

export const BUNDLE = fileURLToPath(new URL("../dist/socket-manager.js", import.meta.url));

export interface ChunkSize {
  file: string;
  minifiedBytes: number;
  gzipBytes: number;
}

export interface BundleResult {
  /** The core: every file loaded at start (sizes summed; each file gzipped on its own, as served). */
  file: string;
  minifiedBytes: number;
  gzipBytes: number;
  coreFiles: ChunkSize[];
  /** Chunks loaded on first use. */
  lazy: ChunkSize[];
  /** Minified characters of the core attributed to each source file through the source maps, largest first. */
  bySource: { source: string; bytes: number }[];
  /** What bundling the library costs a package that only uses on, emit and request (bench/library.ts). */
  library?: import("./library").LibraryCost;
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64_INDEX = new Map([...B64].map((c, i) => [c, i]));

/** Decodes one source-map segment (base64 VLQ) into its numbers. */
function decodeSegment(segment: string): number[] {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (const ch of segment) {
    const digit = B64_INDEX.get(ch);
    if (digit === undefined) throw new Error(`bad VLQ character ${ch}`);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
      continue;
    }
    out.push(value & 1 ? -(value >>> 1) : value >>> 1);
    value = 0;
    shift = 0;
  }
  return out;
}

/** Attributes each generated character range to the source of the mapping segment that starts it. */
function composition(code: string, mapText: string): { source: string; bytes: number }[] {
  const map = JSON.parse(mapText) as { sources: string[]; mappings: string };
  const lines = code.split("\n");
  const totals = new Map<string, number>();
  let sourceIndex = 0;
  map.mappings.split(";").forEach((lineMappings, lineNo) => {
    const line = lines[lineNo] ?? "";
    let col = 0;
    const starts: { col: number; source: number | null }[] = [];
    for (const seg of lineMappings.split(",")) {
      if (seg === "") continue;
      const f = decodeSegment(seg);
      col += f[0] ?? 0;
      if (f.length >= 4) {
        sourceIndex += f[1] ?? 0;
        starts.push({ col, source: sourceIndex });
      } else starts.push({ col, source: null });
    }
    let covered = 0;
    starts.forEach((s, i) => {
      const end = starts[i + 1]?.col ?? line.length;
      const name =
        s.source === null ? "(unmapped)" : (map.sources[s.source] ?? "?").replace(/^(\.\.\/)+/, "");
      totals.set(name, (totals.get(name) ?? 0) + Math.max(0, end - s.col));
      covered += Math.max(0, end - s.col);
    });
    if (line.length > covered)
      totals.set("(unmapped)", (totals.get("(unmapped)") ?? 0) + line.length - covered);
  });
  return [...totals].map(([source, bytes]) => ({ source, bytes })).sort((a, b) => b.bytes - a.bytes);
}

function sizeOf(path: string): ChunkSize {
  const code = readFileSync(path);
  return { file: basename(path), minifiedBytes: code.length, gzipBytes: gzipSync(code, { level: 9 }).length };
}

/** Source composition of one built file, empty when its map is missing or unreadable. */
function sourcesOf(path: string): { source: string; bytes: number }[] {
  const mapFile = `${path}.map`;
  if (!existsSync(mapFile)) return [];
  try {
    return composition(readFileSync(path, "utf8"), readFileSync(mapFile, "utf8"));
  } catch {
    return [];
  }
}

export function measureBundle(): BundleResult {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run "npm run build" first`);
  const dir = dirname(BUNDLE);
  const files = moduleFiles(dir, basename(BUNDLE));
  const coreFiles = files.core.map((f) => sizeOf(join(dir, f)));
  const totals = new Map<string, number>();
  for (const f of files.core)
    for (const { source, bytes } of sourcesOf(join(dir, f)))
      totals.set(source, (totals.get(source) ?? 0) + bytes);
  return {
    file: files.core.map((f) => `dist/${f}`).join(" + "),
    minifiedBytes: coreFiles.reduce((n, c) => n + c.minifiedBytes, 0),
    gzipBytes: coreFiles.reduce((n, c) => n + c.gzipBytes, 0),
    coreFiles,
    lazy: files.lazy.map((f) => sizeOf(join(dir, f))),
    bySource: [...totals].map(([source, bytes]) => ({ source, bytes })).sort((a, b) => b.bytes - a.bytes),
  };
}

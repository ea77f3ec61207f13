/** 7. Bundle size: the built ES module, as shipped, minified and gzip -9, and what it is made of. */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

export const BUNDLE = fileURLToPath(new URL("../dist/socket-manager.js", import.meta.url));

export interface BundleResult {
  file: string;
  minifiedBytes: number;
  gzipBytes: number;
  /** Minified characters attributed to each source file through the source map, largest first. */
  bySource: { source: string; bytes: number }[];
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

export function measureBundle(): BundleResult {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run "npm run build" first`);
  const code = readFileSync(BUNDLE);
  let bySource: BundleResult["bySource"] = [];
  const mapFile = `${BUNDLE}.map`;
  if (existsSync(mapFile)) {
    try {
      bySource = composition(code.toString("utf8"), readFileSync(mapFile, "utf8"));
    } catch {
      bySource = [];
    }
  }
  return {
    file: "dist/socket-manager.js",
    minifiedBytes: code.length,
    gzipBytes: gzipSync(code, { level: 9 }).length,
    bySource,
  };
}

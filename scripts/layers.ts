/**
 * The layers of src/, lowest first, and a check that every import points down (or sideways, within one
 * layer). docs/ARCHITECTURE.md draws the same list. Run by test/unit/layers.test.ts in `npm test`.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";

/** Each layer: a name and the src/-relative paths (a folder ends with "/") that belong to it. */
export const LAYERS: readonly { name: string; paths: readonly string[] }[] = [
  { name: "contract", paths: ["contract/"] },
  { name: "basics", paths: ["clock.ts", "log.ts", "config.ts"] },
  { name: "foundry adapter", paths: ["foundry/"] },
  { name: "metrics", paths: ["metrics/"] },
  { name: "transports", paths: ["transports/"] },
  { name: "pipeline", paths: ["pipeline/"] },
  { name: "reliability", paths: ["reliability/"] },
  { name: "services", paths: ["services/", "roster.ts", "requests.ts"] },
  { name: "bridge", paths: ["bridge/"] },
  { name: "channel", paths: ["channel.ts"] },
  { name: "shared state", paths: ["shared/"] },
  { name: "manager", paths: ["manager.ts", "wiring.ts"] },
  { name: "api", paths: ["api.ts", "socketlib-compat.ts", "socketlib/"] },
  { name: "interface", paths: ["ui/", "debug/"] },
  { name: "entry", paths: ["entry.ts", "index.ts", "library/"] },
];

/** The layer index of a src/-relative path, or -1 when it belongs to none. */
export function layerOf(path: string): number {
  return LAYERS.findIndex((layer) =>
    layer.paths.some((p) => (p.endsWith("/") ? path.startsWith(p) : path === p)),
  );
}

export interface Arrow {
  from: string;
  to: string;
}

/** The relative imports of one source text, resolved to src/-relative paths of `.ts` files. */
export function importsOf(file: string, text: string): string[] {
  const out: string[] = [];
  const pattern = /(?:import|export)\s+(?:type\s+)?(?:[^"';]*?\s+from\s+)?["'](\.{1,2}\/[^"']+)["']/g;
  for (const match of text.matchAll(pattern)) {
    const target = normalize(join(dirname(file), match[1] ?? ""));
    out.push(target.endsWith(".ts") ? target : `${target}.ts`);
  }
  return out;
}

/** Every arrow that points to a higher layer, or from or to a file in no layer. */
export function violations(arrows: readonly Arrow[]): string[] {
  const bad: string[] = [];
  for (const { from, to } of arrows) {
    const a = layerOf(from);
    const b = layerOf(to);
    if (a < 0) bad.push(`${from} is in no layer`);
    else if (b < 0) bad.push(`${to} (imported by ${from}) is in no layer`);
    else if (b > a)
      bad.push(`${from} (${LAYERS[a]?.name}) imports ${to} (${LAYERS[b]?.name}), a higher layer`);
  }
  return [...new Set(bad)];
}

/** Every import arrow inside `srcDir`. */
export function arrowsIn(srcDir: string): Arrow[] {
  const files = readdirSync(srcDir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"));
  return files.flatMap((file) => {
    const path = relative(srcDir, join(srcDir, file)).replaceAll("\\", "/");
    return importsOf(path, readFileSync(join(srcDir, file), "utf8")).map((to) => ({ from: path, to }));
  });
}

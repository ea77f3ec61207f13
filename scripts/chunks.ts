/**
 * The built module's files as a browser loads them: the entry and the chunks it imports statically are what
 * every client loads at start (the core); chunks reached only through `import()` load on first use. Used by
 * the packager (every chunk goes in the zip), the bundle bench (sizes) and the bundle test.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface ModuleFiles {
  /** The entry and every file it imports statically, the entry first. */
  core: string[];
  /** Files reached only through a dynamic import, in the order they were found. */
  lazy: string[];
}

const STATIC = /(?:\bfrom\s*|\bimport\s*)["'`](\.\/[^"'`]+)["'`]/g;
const DYNAMIC = /\bimport\s*\(\s*["'`](\.\/[^"'`]+)["'`]\s*\)/g;

/** The relative imports of one built file, split by kind (names relative to the folder). */
export function importsOfChunk(code: string): { static: string[]; dynamic: string[] } {
  const name = (spec: string) => spec.slice(2);
  return {
    static: [...code.matchAll(STATIC)].map((m) => name(m[1] ?? "")),
    dynamic: [...code.matchAll(DYNAMIC)].map((m) => name(m[1] ?? "")),
  };
}

/** Follows the imports from `entry` inside `dir`; throws when one names a file that is not there. */
export function moduleFiles(dir: string, entry: string): ModuleFiles {
  const core: string[] = [];
  const lazy: string[] = [];
  const seen = new Set<string>();
  const visit = (file: string, kind: "core" | "lazy") => {
    if (seen.has(file)) return;
    const path = join(dir, file);
    if (!existsSync(path)) throw new Error(`${file} is imported but missing from ${dir}`);
    seen.add(file);
    (kind === "core" ? core : lazy).push(file);
    const imports = importsOfChunk(readFileSync(path, "utf8"));
    for (const f of imports.static) visit(f, kind);
    for (const f of imports.dynamic) pending.push(f);
  };
  const pending: string[] = [];
  visit(entry, "core");
  // Dynamic targets after the whole core is known: a file the core loads anyway is not lazy.
  for (let i = 0; i < pending.length; i++) visit(pending[i] ?? "", "lazy");
  return { core, lazy };
}

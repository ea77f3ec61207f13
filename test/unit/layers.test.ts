/** Imports in src/ only run downward through the layers of scripts/layers.ts (docs/ARCHITECTURE.md). */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { arrowsIn, importsOf, layerOf, violations } from "../../scripts/layers";

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), "../../src");

describe("the layers of src/", () => {
  it("every file of src/ belongs to a layer and imports only its own layer or lower ones", () => {
    const arrows = arrowsIn(SRC);
    expect(arrows.length).toBeGreaterThan(100);
    expect(violations(arrows)).toEqual([]);
  });

  it("the check finds an upward arrow, a file in no layer, and type-only and re-export imports", () => {
    expect(violations([{ from: "pipeline/dispatch.ts", to: "channel.ts" }])).toEqual([
      "pipeline/dispatch.ts (pipeline) imports channel.ts (channel), a higher layer",
    ]);
    expect(violations([{ from: "contract/types.ts", to: "metrics/metrics.ts" }])).toHaveLength(1);
    expect(violations([{ from: "stray.ts", to: "contract/types.ts" }])).toEqual(["stray.ts is in no layer"]);
    expect(violations([{ from: "manager.ts", to: "pipeline/receive.ts" }])).toEqual([]);
    const text = [
      'import type { A } from "../channel";',
      'import { b } from "./codec";',
      'export type { C } from "../contract/types";',
      'export * from "./x";',
      'import "./side-effect";',
      'const s = "not an import from ./nothing";',
    ].join("\n");
    expect(importsOf("pipeline/dispatch.ts", text)).toEqual([
      "channel.ts",
      "pipeline/codec.ts",
      "contract/types.ts",
      "pipeline/x.ts",
      "pipeline/side-effect.ts",
    ]);
    expect(layerOf("contract/types.ts")).toBeLessThan(layerOf("pipeline/dispatch.ts"));
  });

  it("no file of src/ is over 300 lines: one job per file", () => {
    const files = readdirSync(SRC, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"));
    expect(files.length).toBeGreaterThan(100);
    const long = files
      .map((f) => ({
        file: relative(SRC, join(SRC, f)),
        lines: readFileSync(join(SRC, f), "utf8").split("\n").length - 1,
      }))
      .filter((f) => f.lines > 300);
    expect(long).toEqual([]);
  });
});

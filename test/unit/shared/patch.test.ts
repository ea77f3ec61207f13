import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../src/contract/errors";
import { type ArrayMode, diff } from "../../../src/shared/diff";
import { deepFreeze } from "../../../src/shared/frozen";
import { type Json, jsonBytes, MAX_DEPTH, toJson } from "../../../src/shared/json";
import { applyPatch, readPatch, type SharedOp } from "../../../src/shared/patch";

/** JSON values over a few keys, so that two of them share structure often enough for a diff to matter. */
const json: fc.Arbitrary<Json> = fc.letrec<{ value: Json }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom<Json>(null, true, false, 0, 1, -1, 2.5, "", "a", "é😀", 'q"\\'),
    fc.array(tie("value"), { maxLength: 5 }),
    fc.dictionary(fc.constantFrom("a", "b", "c", "d", "é", ""), tie("value"), { maxKeys: 5 }),
  ),
})).value;

const frozen = (v: Json): Json => deepFreeze(toJson(v));

function apply(base: Json, ops: readonly SharedOp[]): { value: unknown; bytes: number } {
  return applyPatch(base, ops, jsonBytes(base));
}

describe("diff and applyPatch", () => {
  for (const mode of ["index", "whole"] as ArrayMode[]) {
    it(`applying diff(a, b) to a gives exactly b, with b's JSON size, a untouched (${mode} arrays)`, () => {
      fc.assert(
        fc.property(json, json, (x, y) => {
          const a = frozen(x);
          const b = toJson(y);
          const before = JSON.stringify(a);
          const { value, bytes } = apply(a, diff(a, b, mode));
          expect(value).toEqual(b);
          expect(bytes).toBe(jsonBytes(b));
          expect(JSON.stringify(a)).toBe(before);
        }),
        { numRuns: 2000 },
      );
    });
  }

  it("the result is frozen and shares every unchanged part with the base", () => {
    const base = frozen({ keep: { deep: [1, 2] }, change: { n: 1 }, list: [{ a: 1 }, { b: 2 }] });
    const next = toJson({ keep: { deep: [1, 2] }, change: { n: 2 }, list: [{ a: 1 }, { b: 3 }] });
    const ops = diff(base, next, "index");
    expect(ops).toEqual([
      [["change", "n"], 2],
      [["list", 1, "b"], 3],
    ]);
    const { value } = apply(base, ops) as { value: typeof base & Record<string, never> };
    const v = value as unknown as { keep: unknown; change: unknown; list: unknown[] };
    const b = base as unknown as { keep: unknown; change: unknown; list: unknown[] };
    expect(v.keep).toBe(b.keep);
    expect(v.list[0]).toBe(b.list[0]);
    expect(v.change).not.toBe(b.change);
    expect(Object.isFrozen(v) && Object.isFrozen(v.list) && Object.isFrozen(v.list[1])).toBe(true);
  });

  it("keeps null a value: setting null and deleting a key are different operations", () => {
    const base = frozen({ a: 1, b: 2 });
    const ops = diff(base, { a: null }, "index");
    expect(ops).toEqual([[["b"]], [["a"], null]]);
    expect(apply(base, ops).value).toEqual({ a: null });
  });

  it("index mode: an append, a cut at the end, and one replacement when elements shift", () => {
    const list = frozen({ l: [1, 2, 3, 4] });
    expect(diff(list, { l: [1, 2, 3, 4, 5] }, "index")).toEqual([[["l", 4], 5]]);
    expect(diff(list, { l: [1, 2] }, "index")).toEqual([[["l", 2]]]);
    expect(diff(list, { l: [2, 3, 4] }, "index")).toEqual([[["l"], [2, 3, 4]]]);
    expect(diff(list, { l: [1, 2, 3, 4] }, "index")).toEqual([]);
  });

  it("whole mode: an array that changed is replaced, one that did not is left out", () => {
    const base = frozen({ l: [1, 2, 3], m: [{ x: 1 }] });
    expect(diff(base, { l: [1, 2, 3, 4], m: [{ x: 1 }] }, "whole")).toEqual([[["l"], [1, 2, 3, 4]]]);
  });

  it("changes made one after another, diffed once against the first value, give the same end (a merged window)", () => {
    fc.assert(
      fc.property(json, fc.array(json, { minLength: 1, maxLength: 6 }), (start, steps) => {
        const base = frozen(start);
        let current: unknown = base;
        let bytes = jsonBytes(base);
        for (const step of steps) {
          const out = applyPatch(current, diff(current, toJson(step), "index"), bytes);
          current = out.value;
          bytes = out.bytes;
        }
        const merged = apply(base, diff(base, current, "index"));
        expect(merged.value).toEqual(current);
        expect(merged.bytes).toBe(bytes);
      }),
      { numRuns: 500 },
    );
  });

  it("refuses operations that do not fit the value, changing nothing", () => {
    const base = frozen({ a: { b: [1] }, s: "x" });
    const cases: [SharedOp[], RegExp][] = [
      [[[["missing", "x"], 1]], /no key "missing"/],
      [[[["s", "x"], 1]], /is not an object or array/],
      [[[["a", "b", 2], 1]], /cannot set index 2 of 1/],
      [[[["a", "b", "0"], 1]], /cannot set index 0 of 1/],
      [[[["a", "b", 5]]], /cannot cut at 5 of 1/],
      [[[["a", "__proto__"], { polluted: true }]], /cannot set key "__proto__"/],
      [[[["constructor"]]], /cannot delete key "constructor"/],
      [[[[]]], /cannot delete the whole value/],
      [[[["a", "b", 0, "x"], 1]], /is not an object or array/],
    ];
    for (const [ops, message] of cases) {
      expect(() => apply(base, ops)).toThrow(ValidationError);
      expect(() => apply(base, ops)).toThrow(message);
    }
    expect(base).toEqual({ a: { b: [1] }, s: "x" });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("deleting a missing key is no change (a proposal applied twice)", () => {
    const base = frozen({ a: 1 });
    expect(apply(base, [[["b"]]])).toEqual({
      value: { a: 1 },
      bytes: jsonBytes(base),
      patchBytes: jsonBytes([[["b"]]]),
    });
  });
});

describe("readPatch", () => {
  it("takes lists of [path] and [path, value] with string keys and whole, non-negative indexes", () => {
    const ok = [[["a", 0, "b"], { x: 1 }], [["c"]], [[], null]];
    expect(readPatch(ok)).toBe(ok);
    expect(readPatch([])).toEqual([]);
  });

  it.each([
    ["not a list", { o: 1 }],
    ["an operation that is not a list", [{ path: [] }]],
    ["an empty operation", [[]]],
    ["three parts", [[["a"], 1, 2]]],
    ["a path that is not a list", [["a", 1]]],
    ["a negative index", [[["a", -1], 1]]],
    ["a fractional index", [[["a", 1.5], 1]]],
    ["a boolean step", [[[true], 1]]],
    ["a path deeper than MAX_DEPTH", [[Array.from({ length: MAX_DEPTH + 1 }, () => "a"), 1]]],
  ])("refuses %s", (_what, raw) => {
    expect(readPatch(raw)).toBeNull();
  });
});

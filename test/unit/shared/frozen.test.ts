/** Deep freezing and deep equality of JSON values (what `channel.shared()`'s option checks use). */
import { describe, expect, it } from "vitest";
import { deepFreeze, jsonEqual } from "../../../src/shared/frozen";

describe("deepFreeze", () => {
  it("freezes every level", () => {
    const value = deepFreeze({ a: { b: [1, { c: 2 }] } });
    expect(Object.isFrozen(value)).toBe(true);
    expect(Object.isFrozen(value.a.b[1])).toBe(true);
    expect(() => {
      (value.a.b as unknown[]).push(3);
    }).toThrow(TypeError);
  });

  it("stops at a part already frozen (a frozen part of a shared value is frozen all the way down)", () => {
    const inner = { x: 1 };
    const outer = Object.freeze({ inner });
    deepFreeze({ outer });
    expect(Object.isFrozen(inner)).toBe(false);
  });
});

describe("jsonEqual", () => {
  it("compares JSON values deeply, key order aside", () => {
    expect(jsonEqual({ a: [1, { b: null }], c: "x" }, { c: "x", a: [1, { b: null }] })).toBe(true);
    expect(jsonEqual({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(jsonEqual([1, 2], { 0: 1, 1: 2 })).toBe(false);
    expect(jsonEqual(null, {})).toBe(false);
    expect(jsonEqual([1], [1, 2])).toBe(false);
  });
});

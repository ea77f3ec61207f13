import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../src/contract/errors";
import { deepFreeze } from "../../../src/shared/frozen";
import { isPlainObject, jsonBytes, MAX_DEPTH, thaw, toJson } from "../../../src/shared/json";
import { thrownBy } from "../support";

describe("toJson", () => {
  it("copies exactly what JSON carries: keys holding undefined are left out, undefined in arrays is null, -0 is 0", () => {
    const source = { a: 1, b: undefined, c: [1, undefined, "x"], d: { e: null, f: -0 }, g: true };
    const copy = toJson(source) as Record<string, unknown>;
    expect(copy).toEqual({ a: 1, c: [1, null, "x"], d: { e: null, f: 0 }, g: true });
    expect(Object.is((copy.d as { f: number }).f, 0)).toBe(true);
    expect(copy).not.toBe(source);
    expect(copy.c).not.toBe(source.c);
    expect(JSON.parse(JSON.stringify(source))).toEqual(copy);
    expect(toJson(Object.assign(Object.create(null), { x: 1 }))).toEqual({ x: 1 });
  });

  it.each([
    ["a function", { f: () => 1 }, "value.f is a function"],
    ["a symbol", { s: Symbol("s") }, "value.s is a symbol"],
    ["a BigInt", [1n], "value[0] is a bigint"],
    ["NaN", { n: Number.NaN }, "value.n is NaN"],
    ["Infinity", { n: [Number.POSITIVE_INFINITY] }, "value.n[0] is Infinity"],
    ["a Date", { when: new Date(0) }, "value.when is an instance of Date"],
    ["a Map", new Map(), "value is an instance of Map"],
    ["a reserved key", JSON.parse('{"a":{"__proto__":{"x":1}}}'), 'value.a has the reserved key "__proto__"'],
    ["a constructor key", { constructor: 1 }, 'value has the reserved key "constructor"'],
  ])("refuses %s, naming where", (_what, value, message) => {
    const error = thrownBy(() => toJson(value));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toContain(message);
  });

  it("refuses cycles, undefined at the top and nesting deeper than MAX_DEPTH (shared parts are fine)", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => toJson(cyclic)).toThrow(/circular/);
    expect(() => toJson(undefined)).toThrow(/undefined/);
    const shared = { x: 1 };
    expect(toJson({ a: shared, b: shared })).toEqual({ a: { x: 1 }, b: { x: 1 } });
    let deep: unknown = 1;
    for (let i = 0; i < MAX_DEPTH; i++) deep = [deep];
    expect(() => toJson(deep)).not.toThrow();
    expect(() => toJson([deep])).toThrow(`deeper than ${MAX_DEPTH} levels`);
  });
});

describe("thaw", () => {
  it("gives a mutable deep copy of a frozen value", () => {
    const value = deepFreeze({ a: { b: [1, { c: 2 }] } });
    const copy = thaw(value);
    copy.a.b.push(3);
    expect(copy.a.b).toEqual([1, { c: 2 }, 3]);
    expect(value.a.b).toHaveLength(2);
    expect(thaw(5)).toBe(5);
  });
});

describe("jsonBytes, isPlainObject", () => {
  it("counts UTF-8 bytes of the JSON text", () => {
    expect(jsonBytes({ a: "é" })).toBe('{"a":"é"}'.length + 1);
    expect(jsonBytes(["😀"])).toBe(8);
    expect(jsonBytes("\ud800")).toBe(8); // a lone surrogate is escaped: "\ud800"
    expect(jsonBytes('q"')).toBe(5);
    expect(jsonBytes(null)).toBe(4);
  });

  it("tells plain objects from arrays, null and class instances", () => {
    expect(isPlainObject({})).toBe(true);
    expect(isPlainObject(Object.create(null))).toBe(true);
    expect(isPlainObject([])).toBe(false);
    expect(isPlainObject(null)).toBe(false);
    expect(isPlainObject(new Date())).toBe(false);
  });
});

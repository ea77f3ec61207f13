/** The bridge's JSON-safety check of an event's data: refusals name the path, the module and the event. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { assertJsonSafe } from "../../../src/bridge/json-safe";
import { ValidationError } from "../../../src/contract/errors";
import { thrownBy } from "../support";

function rejection(value: unknown, moduleId = "my-module", event = "my-event"): ValidationError {
  const err = thrownBy(() => assertJsonSafe(value, moduleId, event));
  expect(err).toBeInstanceOf(ValidationError);
  const v = err as ValidationError;
  expect(v.moduleId).toBe(moduleId);
  expect(v.event).toBe(event);
  expect(v.message).toContain(moduleId);
  expect(v.message).toContain(event);
  return v;
}

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

describe("assertJsonSafe: refusals name the path, the module and the event", () => {
  it.each([
    ["a function", { a: [0, 1, () => 1] }, "data.a[2]", "function"],
    ["a symbol", { s: Symbol("x") }, "data.s", "symbol"],
    ["a BigInt", [1n], "data[0]", "BigInt"],
    ["NaN", { n: { m: Number.NaN } }, "data.n.m", "NaN"],
    ["Infinity", { x: Number.POSITIVE_INFINITY }, "data.x", "Infinity"],
    ["-Infinity", [[Number.NEGATIVE_INFINITY]], "data[0][0]", "-Infinity"],
    ["a Date", { when: new Date(0) }, "data.when", "Date"],
    ["a Map", { m: new Map() }, "data.m", "Map"],
    ["a Set", { list: [new Set([1])] }, "data.list[0]", "Set"],
    ["a class instance", { p: new Point(1, 2) }, "data.p", "Point"],
    ["a typed array", { bytes: new Uint8Array(2) }, "data.bytes", "Uint8Array"],
    ["a RegExp", { r: /x/ }, "data.r", "RegExp"],
    ["a boxed string", { s: new String("x") }, "data.s", "String"],
    ["a promise", { p: Promise.resolve(1) }, "data.p", "Promise"],
  ])("refuses %s", (_label, value, path, word) => {
    const err = rejection(value);
    expect(err.message).toContain(path);
    expect(err.message).toContain(word);
  });

  it.each([
    ["a function", () => 1, "function"],
    ["a symbol", Symbol("s"), "symbol"],
    ["a BigInt", 10n, "BigInt"],
    ["NaN", Number.NaN, "NaN"],
    ["a Date", new Date(), "Date"],
  ])("refuses %s at the top level, naming `data`", (_label, value, word) => {
    const err = rejection(value);
    expect(err.message).toMatch(/\bdata\b/);
    expect(err.message).toContain(word);
  });

  it("refuses a cycle through an object", () => {
    const a: Record<string, unknown> = { x: 1 };
    a.self = a;
    expect(rejection(a).message).toContain("data.self");
    expect(rejection(a).message).toContain("circular");
  });

  it("refuses a cycle through arrays", () => {
    const list: unknown[] = [1, 2];
    const holder = { inner: { list } };
    list.push(holder);
    const err = rejection(holder);
    expect(err.message).toContain("data.inner.list[2]");
    expect(err.message).toContain("circular");
  });

  it("refuses a value nested in a null-prototype object", () => {
    const bare = Object.create(null) as Record<string, unknown>;
    bare.f = () => 0;
    expect(rejection({ bare }).message).toContain("data.bare.f");
  });

  it("reports the first problem in document order", () => {
    const err = rejection({ ok: 1, first: [1, Number.NaN], second: () => 0 });
    expect(err.message).toContain("data.first[1]");
    expect(err.message).not.toContain("data.second");
  });
});

describe("assertJsonSafe: accepts what JSON carries faithfully", () => {
  it.each([
    ["undefined", undefined],
    ["null", null],
    ["a string", "text"],
    ["a boolean", false],
    ["zero", 0],
    ["a negative float", -12.5],
    ["an empty object", {}],
    ["an empty array", []],
    ["nested JSON", { a: [1, { b: "c", d: [null, true] }], e: { f: { g: 1e300 } } }],
    ["an object with undefined fields", { a: undefined, b: [undefined] }],
  ])("accepts %s", (_label, value) => {
    expect(() => assertJsonSafe(value, "m", "e")).not.toThrow();
  });

  it("accepts a null-prototype object", () => {
    const bare = Object.create(null) as Record<string, unknown>;
    bare.a = { b: [1, 2] };
    expect(() => assertJsonSafe(bare, "m", "e")).not.toThrow();
  });

  it("accepts the same object reached twice when it is not a cycle", () => {
    const shared = { v: 1 };
    expect(() =>
      assertJsonSafe({ a: shared, b: [shared, shared], c: { d: shared } }, "m", "e"),
    ).not.toThrow();
    const list = [1, [2]];
    expect(() => assertJsonSafe({ a: list, b: [list], c: { d: list } }, "m", "e")).not.toThrow();
  });

  it("nesting deeper than the lean walk goes: accepted when sound, a deep cycle or bad leaf still named", () => {
    const nest = (depth: number, leaf: unknown): unknown => {
      let value = leaf;
      for (let i = 0; i < depth; i++) value = i % 2 ? { k: value } : [value];
      return value;
    };
    expect(() => assertJsonSafe(nest(300, "ok"), "m", "e")).not.toThrow();
    expect(rejection(nest(300, Number.NaN)).message).toContain("is NaN (not a finite number)");
    const ring: Record<string, unknown> = {};
    ring.self = nest(100, ring);
    expect(rejection({ ring }).message).toContain("is a circular reference");
  });

  it("property: accepts every JSON value", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), (value) => {
        expect(() => assertJsonSafe(value, "m", "e")).not.toThrow();
      }),
      { numRuns: 500 },
    );
  });

  it("property: finds a function hidden anywhere in a JSON value, naming its path", () => {
    const pathArb = fc.array(fc.oneof(fc.nat({ max: 3 }), fc.stringMatching(/^[a-z]{1,6}$/)), {
      minLength: 0,
      maxLength: 5,
    });
    fc.assert(
      fc.property(pathArb, (path) => {
        let value: unknown = () => 0;
        let expected = "data";
        for (const seg of path) expected += typeof seg === "number" ? `[${seg}]` : `.${seg}`;
        for (let i = path.length - 1; i >= 0; i--) {
          const seg = path[i]!;
          if (typeof seg === "number") {
            const arr: unknown[] = Array.from({ length: seg }, () => 0);
            arr.push(value);
            value = arr;
          } else value = { [seg]: value };
        }
        const err = rejection(value);
        expect(err.message).toContain(`${expected} is a function`);
      }),
      { numRuns: 300 },
    );
  });
});

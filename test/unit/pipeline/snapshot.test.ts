/** The send path's one walk over a payload: the copy that travels, and its exact size. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../src/contract/errors";
import { MAX_PAYLOAD_DEPTH, snapshot } from "../../../src/pipeline/snapshot";
import { thrownBy } from "../support";

const unit = fc.constantFrom('"', "\\", "\n", "\u0001", "a", "é", "漢", "😀", "\ud800", "\udfff");
/** Values as a module might pass them: JSON, plus `undefined` and `-0`, which JSON changes. */
const payload = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.string({ unit, maxLength: 12 }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.constant(-0),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(fc.string({ unit, maxLength: 6 }), tie("value"), { maxKeys: 4 }),
  ),
})).value;

describe("snapshot", () => {
  it("property: the copy is what JSON carries, and its size is the UTF-8 size of its JSON", () => {
    fc.assert(
      fc.property(payload, (value) => {
        if (value === undefined) return;
        const { value: copy, bytes } = snapshot(value, "m", "e");
        const json = JSON.stringify(value);
        expect(copy).toEqual(JSON.parse(json));
        expect(JSON.stringify(copy)).toBe(json);
        expect(bytes).toBe(Buffer.byteLength(json, "utf8"));
      }),
      { numRuns: 2000 },
    );
  });

  it("shares nothing mutable with the original", () => {
    const original = { a: [1, { b: 2 }], c: { d: [3] } };
    const { value } = snapshot(original, "m", "e");
    const copy = value as typeof original;
    expect(copy).toEqual(original);
    expect(copy).not.toBe(original);
    expect(copy.a).not.toBe(original.a);
    expect(copy.a[1]).not.toBe(original.a[1]);
    expect(copy.c.d).not.toBe(original.c.d);
  });

  it("leaves out the keys __proto__, constructor and prototype, counting only what it keeps", () => {
    const value = JSON.parse('{"__proto__":{"x":1},"ok":{"constructor":1,"prototype":2,"y":3}}');
    const { value: copy, bytes } = snapshot(value, "m", "e");
    expect(copy).toEqual({ ok: { y: 3 } });
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(bytes).toBe(JSON.stringify({ ok: { y: 3 } }).length);
  });

  it.each([
    ["a function", { f: () => 1 }, "data.f is a function"],
    ["a BigInt", [1n], "data[0] is a BigInt"],
    ["NaN", { n: Number.NaN }, "data.n is NaN"],
    ["a Date", { when: new Date(0) }, "data.when is an instance of Date"],
    ["a Map", new Map(), "data is an instance of Map"],
  ])(
    "refuses %s with a ValidationError naming the place, the module and the event",
    (_label, value, text) => {
      const error = thrownBy(() => snapshot(value, "my-mod", "my-evt"));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).message).toContain(text);
      expect((error as ValidationError).message).toContain("my-mod");
    },
  );

  it("refuses a cycle as circular and nesting past MAX_PAYLOAD_DEPTH as too deep", () => {
    const cyclic: Record<string, unknown> = { a: {} };
    (cyclic.a as Record<string, unknown>).back = cyclic;
    expect((thrownBy(() => snapshot(cyclic, "m", "e")) as Error).message).toContain(
      "data.a.back is a circular",
    );
    const nest = (n: number): unknown => (n === 0 ? 1 : [nest(n - 1)]);
    expect(snapshot(nest(MAX_PAYLOAD_DEPTH), "m", "e").bytes).toBe(
      JSON.stringify(nest(MAX_PAYLOAD_DEPTH)).length,
    );
    expect((thrownBy(() => snapshot(nest(MAX_PAYLOAD_DEPTH + 1), "m", "e")) as Error).message).toContain(
      "nested too deeply",
    );
  });

  it("reads each getter once, also for an object some of whose keys do not travel", () => {
    let reads = 0;
    const value = {
      get x() {
        reads++;
        return { y: 1 };
      },
      skipped: undefined,
      z: "z",
    };
    const { value: copy, bytes } = snapshot(value, "m", "e");
    expect(reads).toBe(1);
    expect(copy).toEqual({ x: { y: 1 }, z: "z" });
    expect(bytes).toBe(JSON.stringify(copy).length);
  });

  it("copies keys listed from Object.prototype as own keys, as for…in lists them, and counts them", () => {
    // A page where something added an enumerable key to Object.prototype: every walk lists it.
    Object.defineProperty(Object.prototype, "added", {
      value: 7,
      enumerable: true,
      configurable: true,
      writable: true,
    });
    try {
      const { value: copy, bytes } = snapshot({ a: { b: 1 } }, "m", "e");
      expect(Object.hasOwn(copy as object, "added")).toBe(true);
      expect(Object.hasOwn((copy as { a: object }).a, "added")).toBe(true);
      expect(bytes).toBe(JSON.stringify(copy).length);
    } finally {
      delete (Object.prototype as Record<string, unknown>).added;
    }
    const { value: after } = snapshot({ a: 1 }, "m", "e");
    expect(Object.hasOwn(after as object, "added")).toBe(false);
  });

  it("carries symbol keys in the copy without counting them: JSON never writes them", () => {
    const tag = Symbol("tag");
    const { value: copy, bytes } = snapshot({ a: 1, [tag]: "local" }, "m", "e");
    expect(JSON.stringify(copy)).toBe('{"a":1}');
    expect(bytes).toBe(7);
  });

  it("copies an array's holes as null, and an array of a subclass into a plain array", () => {
    // biome-ignore lint/suspicious/noSparseArray: a hole is what this test is about.
    const sparse = [1, , -0, [undefined]];
    const { value: copy, bytes } = snapshot(sparse, "m", "e");
    expect(copy).toEqual([1, null, 0, [null]]);
    expect(Object.is((copy as number[])[2], 0)).toBe(true);
    expect(bytes).toBe("[1,null,0,[null]]".length);
    class Path extends Array<number> {}
    const path = Path.from([1, 2]);
    const { value: plain } = snapshot({ path }, "m", "e");
    expect(Object.getPrototypeOf((plain as { path: unknown }).path)).toBe(Array.prototype);
    expect(plain).toEqual({ path: [1, 2] });
  });
});

/** The receive path's one walk over an envelope: exact sizes, the prototype-key and nesting defence, bounded work. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  checkIncoming,
  measureIncoming,
  OVER_LIMIT,
  RESERVED_KEY,
  UNSAFE_VALUE,
} from "../../../src/pipeline/incoming";
import { MAX_PAYLOAD_DEPTH } from "../../../src/pipeline/snapshot";

const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), "utf8");
const RESERVED = ["__proto__", "constructor", "prototype"];
const hasReserved = (v: unknown): boolean =>
  Array.isArray(v)
    ? v.some(hasReserved)
    : typeof v === "object" && v !== null
      ? Object.keys(v).some((k) => RESERVED.includes(k) || hasReserved((v as Record<string, unknown>)[k]))
      : false;

describe("measureIncoming", () => {
  it("property: the size of any JSON value, as socket.io parsed it, is the UTF-8 size of its JSON", () => {
    const unit = fc.constantFrom('"', "\\", "\n", "\u0001", "a", "é", "漢", "😀", "\ud800", "\udfff");
    const text = fc.string({ unit, maxLength: 20 });
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6, stringUnit: unit }), text, (value, s) => {
        const parsed = JSON.parse(JSON.stringify([value, s])) as unknown;
        if (hasReserved(parsed)) return;
        expect(measureIncoming(parsed, Number.POSITIVE_INFINITY)).toBe(jsonBytes(parsed));
      }),
      { numRuns: 1500 },
    );
  });

  it("property: an envelope's names are sized exactly, whatever names the envelopes before it carried", () => {
    const unit = fc.constantFrom('"', "\\", "\n", "a", "é", "😀", "\ud800");
    const name = fc.oneof(
      fc.constantFrom("mod", "ev", "mod2"),
      fc.string({ unit, minLength: 1, maxLength: 8 }),
    );
    const envelope = fc.tuple(
      fc.nat(),
      fc.nat(8),
      name,
      name,
      fc.nat(),
      fc.constant(0),
      fc.jsonValue({ maxDepth: 2 }),
    );
    fc.assert(
      fc.property(fc.array(envelope, { maxLength: 30 }), (envelopes) => {
        for (const env of envelopes) {
          const parsed = JSON.parse(JSON.stringify(env)) as unknown;
          if (hasReserved(parsed)) continue;
          expect(measureIncoming(parsed, Number.POSITIVE_INFINITY)).toBe(jsonBytes(parsed));
        }
      }),
      { numRuns: 500 },
    );
  });

  it("stops at the limit, whatever the value is made of", () => {
    const zeros = new Array(10_000).fill(0);
    expect(measureIncoming(zeros, 20_001)).toBe(20_001);
    expect(measureIncoming(zeros, 20_000)).toBe(OVER_LIMIT);
    // Small numbers inside small arrays: the count of each array fits, their sum does not.
    const rows = Array.from({ length: 1000 }, () => [1, 2, 3]);
    expect(measureIncoming(rows, jsonBytes(rows) - 1)).toBe(OVER_LIMIT);
    expect(measureIncoming({ a: "x".repeat(100) }, 50)).toBe(OVER_LIMIT);
    expect(measureIncoming(12345, 4)).toBe(OVER_LIMIT);
  });

  it.each(RESERVED)("refuses %s as a key at any depth, also as an own key made by JSON.parse", (key) => {
    for (const text of [`{"${key}":1}`, `[1,{"a":[{"${key}":{"x":1}}]}]`, `{"b":{"${key}":null}}`]) {
      expect(measureIncoming(JSON.parse(text), Number.POSITIVE_INFINITY)).toBe(RESERVED_KEY);
    }
  });

  it("refuses nesting deeper than an envelope holding a payload of MAX_PAYLOAD_DEPTH levels", () => {
    const nest = (n: number): unknown => (n === 0 ? 0 : [nest(n - 1)]);
    // The envelope array itself is one level.
    expect(measureIncoming(nest(MAX_PAYLOAD_DEPTH + 1), Number.POSITIVE_INFINITY)).toBeGreaterThan(0);
    expect(measureIncoming(nest(MAX_PAYLOAD_DEPTH + 2), Number.POSITIVE_INFINITY)).toBe(UNSAFE_VALUE);
    let deep: unknown = 0;
    for (let i = 0; i < 100_000; i++) deep = { d: deep };
    expect(measureIncoming(deep, Number.POSITIVE_INFINITY)).toBe(UNSAFE_VALUE);
  });

  it.each([
    ["a function", () => 1],
    ["a symbol", Symbol("s")],
    ["NaN", Number.NaN],
    ["undefined in an array", [undefined]],
    ["a BigInt", 1n],
  ])("refuses what JSON cannot carry: %s", (_label, value) => {
    expect(measureIncoming([1, value], Number.POSITIVE_INFINITY)).toBe(UNSAFE_VALUE);
  });
});

describe("checkIncoming", () => {
  it("property: refuses exactly what measureIncoming refuses, without a limit on size", () => {
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 6 }),
        fc.constantFrom(...RESERVED),
        fc.boolean(),
        (value, key, poison) => {
          const parsed = JSON.parse(
            JSON.stringify(poison ? { wrap: [value, JSON.parse(`{"${key}": 1}`)] } : value),
          ) as unknown;
          const measured = measureIncoming(parsed, Number.POSITIVE_INFINITY);
          expect(checkIncoming(parsed)).toBe(measured >= 0 ? 0 : measured);
          expect(checkIncoming(parsed)).toBe(hasReserved(parsed) ? RESERVED_KEY : 0);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("refuses nesting past the envelope's depth, and leaves the next measure exact", () => {
    let deep: unknown = 1;
    for (let i = 0; i <= MAX_PAYLOAD_DEPTH + 1; i++) deep = [deep];
    expect(checkIncoming(deep)).toBe(UNSAFE_VALUE);
    expect(checkIncoming({ s: "x".repeat(10_000) })).toBe(0);
    expect(measureIncoming({ s: "é" }, 1_000)).toBe(jsonBytes({ s: "é" }));
  });
});

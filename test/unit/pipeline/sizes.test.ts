/** Exact sizes without writing JSON: UTF-8 lengths, strings as JSON writes them, numbers. */
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { byteLength, numberBytes, utf8Length, wireBytes } from "../../../src/pipeline/sizes";

describe("utf8Length", () => {
  it("equals Buffer.byteLength for arbitrary well-formed unicode strings", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 200 }), (s) => {
        expect(utf8Length(s)).toBe(Buffer.byteLength(s, "utf8"));
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    ["", 0],
    ["a", 1],
    ["é", 2],
    ["\u07ff", 2],
    ["\u0800", 3],
    ["漢", 3],
    ["\uffff", 3],
    ["😀", 4],
    ["\u{10ffff}", 4],
  ])("counts %j as %i bytes", (s, n) => {
    expect(utf8Length(s)).toBe(n);
    expect(Buffer.byteLength(s, "utf8")).toBe(n);
  });

  it("counts a lone surrogate as the 3-byte replacement character", () => {
    for (const s of ["\ud800", "\udc00", "a\udfffb", "x\udbff"]) {
      expect(utf8Length(s)).toBe(Buffer.byteLength(s, "utf8"));
    }
  });
});

describe("byteLength", () => {
  it("equals Buffer.byteLength for arbitrary strings, lone surrogates included", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 300 }), (s) => {
        expect(byteLength(s)).toBe(Buffer.byteLength(s, "utf8"));
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    ["ASCII", "a"],
    ["two-byte", "é"],
    ["three-byte", "漢"],
    ["four-byte", "😀"],
    ["lone surrogate", "\ud800"],
  ])("is exact for %s text longer than its scratch buffer", (_label, unit) => {
    // 70,000 units: past the 65,536-unit buffer, so the counting path runs.
    const s = unit.repeat(Math.ceil(70_000 / unit.length));
    expect(byteLength(s)).toBe(Buffer.byteLength(s, "utf8"));
    expect(byteLength(s.slice(0, 65_536))).toBe(Buffer.byteLength(s.slice(0, 65_536), "utf8"));
  });
});

/** The oracle: the UTF-8 size of the string socket.io writes for a string argument. */
const onTheWire = (s: string) => Buffer.byteLength(JSON.stringify(s), "utf8");

/** Code units chosen to hit every case of JSON's string escaping, and their neighbours. */
const escapeUnit = fc.oneof(
  fc.constantFrom(
    '"',
    "\\",
    "/",
    "\b",
    "\t",
    "\n",
    "\f",
    "\r",
    "\u0000",
    "\u0001",
    "\u001f",
    " ",
    "a",
    "\u007f",
  ),
  fc.constantFrom("\u0080", "é", "\u07ff", "\u0800", "漢", "\ufffd", "\uffff", "\u2028", "\u2029"),
  fc.constantFrom("😀", "\u{10ffff}", "\ud800", "\udbff", "\udc00", "\udfff"),
  fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
);

describe("wireBytes of long strings (one pass, handing dense text to the whole-text searches)", () => {
  /** Long ASCII runs with arbitrary characters between them, or arbitrary text repeated into a dense one. */
  const longText = fc.oneof(
    fc
      .array(fc.tuple(fc.nat({ max: 3000 }), fc.string({ unit: "binary", maxLength: 6 })), { maxLength: 12 })
      .map((parts) => parts.map(([run, s]) => "y".repeat(run) + s).join("") + "y".repeat(4097)),
    fc
      .string({ unit: "binary", minLength: 1, maxLength: 40 })
      .map((s) => s.repeat(Math.ceil(5000 / s.length))),
  );

  it("equals the UTF-8 size of JSON.stringify for any long string, lone surrogates included", () => {
    fc.assert(
      fc.property(longText, (s) => {
        expect(s.length).toBeGreaterThan(4096);
        expect(wireBytes(s)).toBe(Buffer.byteLength(JSON.stringify(s), "utf8"));
      }),
      { numRuns: 300 },
    );
  });

  it.each([
    ["quotes at the end", `${"y".repeat(9000)}"}`],
    ["a pair across the sample window", `${"😀".repeat(3000)}${"a".repeat(5000)}`],
    ["controls and lone surrogates, sparse", `${"a".repeat(5000)}\u0001\ud800\n${"b".repeat(5000)}\udc00`],
  ])("%s", (_name, s) => {
    expect(wireBytes(s)).toBe(Buffer.byteLength(JSON.stringify(s), "utf8"));
  });
});

describe("wireBytes", () => {
  it.each([
    [""],
    ["plain ascii"],
    ['"quoted"'],
    ["back\\slash"],
    ["\n\t\r\b\f"],
    ["\u0000\u0001\u001f\u007f"],
    ["é漢😀"],
    ["\u2028\u2029"],
    ["\ud800 lone high"],
    ["lone low \udc00"],
    ["\udbff\udfff pair"],
    ["\udc00\ud800 reversed pair"],
    ["high at the end \ud83d"],
    ['{"d":"\\"x\\""}'],
  ])("equals the UTF-8 size of JSON.stringify(%j)", (text) => {
    expect(wireBytes(text)).toBe(onTheWire(text));
    expect(wireBytes(text, byteLength(text))).toBe(onTheWire(text));
  });

  it("JSON.stringify escapes lone surrogates (ES2019), and wireBytes counts that", () => {
    expect(JSON.stringify("\ud800")).toBe('"\\ud800"');
    expect(wireBytes("\ud800")).toBe(8);
    expect(wireBytes("😀")).toBe(6);
  });

  it("property: equals Buffer.byteLength(JSON.stringify(s)) for any string, lone surrogates included", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 200 }), (s) => {
        expect(wireBytes(s)).toBe(onTheWire(s));
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.string({ unit: escapeUnit, maxLength: 400 }), (s) => {
        expect(wireBytes(s)).toBe(onTheWire(s));
      }),
      { numRuns: 2000 },
    );
  });

  it("property: exact on long texts too, past the byteLength scratch buffer and the dense-count switch", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(escapeUnit, fc.integer({ min: 1, max: 3000 })), { minLength: 1, maxLength: 40 }),
        (runs) => {
          const s = runs.map(([unit, n]) => unit.repeat(n)).join("");
          expect(wireBytes(s)).toBe(onTheWire(s));
        },
      ),
      { numRuns: 200 },
    );
  });

  it.each([
    ["600,000 double quotes", '"'.repeat(600_000)],
    ["600,000 backslashes", "\\".repeat(600_000)],
    ["300,000 control characters", "\u0001\n".repeat(150_000)],
    [
      "JSON in JSON",
      JSON.stringify(JSON.stringify(JSON.stringify({ a: 'x"y\\z', b: ["\n"] }).repeat(5_000))),
    ],
    ["200,000 lone surrogates among text", "a\ud800b\udc00😀".repeat(40_000)],
    ["a sparse frame", JSON.stringify([1, "x".repeat(500_000), '"'])],
  ])("is exact for %s", (_label, text) => {
    expect(wireBytes(text)).toBe(onTheWire(text));
  });
});

describe("wireBytes without String.prototype.isWellFormed (browsers before ES2024)", () => {
  it("property: still exact", async () => {
    const proto = String.prototype as { isWellFormed?: unknown };
    const native = Object.getOwnPropertyDescriptor(String.prototype, "isWellFormed");
    delete proto.isWellFormed;
    vi.resetModules();
    try {
      const sizes = await import("../../../src/pipeline/sizes");
      expect(sizes.wireBytes).not.toBe(wireBytes);
      fc.assert(
        fc.property(fc.string({ unit: escapeUnit, maxLength: 400 }), (s) => {
          expect(sizes.wireBytes(s)).toBe(onTheWire(s));
        }),
        { numRuns: 1000 },
      );
      expect(sizes.wireBytes("😀\ud800".repeat(50_000))).toBe(onTheWire("😀\ud800".repeat(50_000)));
    } finally {
      if (native) Object.defineProperty(String.prototype, "isWellFormed", native);
      vi.resetModules();
    }
  });
});

describe("numberBytes", () => {
  it.each([
    0,
    -0,
    1,
    -1,
    9,
    10,
    99,
    100,
    1_732_460_000_000,
    Number.MAX_SAFE_INTEGER,
    -Number.MAX_SAFE_INTEGER,
    1e15,
    1e16,
    1e21,
    1.5,
    -0.000001,
    1e-7,
    5e-324,
    Number.MAX_VALUE,
  ])("%s is as long as JSON.stringify writes it", (n) => {
    expect(numberBytes(n)).toBe(JSON.stringify(n).length);
  });

  it("property: any finite double", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), (d, i) => {
        expect(numberBytes(d)).toBe(JSON.stringify(d).length);
        expect(numberBytes(i)).toBe(JSON.stringify(i).length);
      }),
      { numRuns: 3000 },
    );
  });
});

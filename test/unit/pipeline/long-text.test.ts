/**
 * Long texts (a late joiner's 1 MB snapshot): `printableEscapes` behind `wireBytes`, the chunker cutting long
 * JSON text from its positions, and `jsonBytes` of values holding long strings.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { splitText } from "../../../src/pipeline/chunker";
import { PRINTABLE_LOOK as LONG_TEXT, printableEscapes, wireBytes } from "../../../src/pipeline/sizes";
import { jsonBytes } from "../../../src/shared/json";

const nodeBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), "utf8");

/** Long text: a filler run with a few given characters dropped in at given places. */
const longText = fc
  .record({
    length: fc.integer({ min: LONG_TEXT, max: LONG_TEXT * 6 }),
    filler: fc.constantFrom("x", "ab", "{}:,", "\u007f"),
    drops: fc.array(
      fc.record({
        at: fc.double({ min: 0, max: 1, noNaN: true }),
        text: fc.constantFrom('"', "\\", '\\"', "\n", "\u0000", "\u001f", "é", "漢", "😀", "\ud83d", " "),
      }),
      { maxLength: 12 },
    ),
  })
  .map(({ length, filler, drops }) => {
    let text = filler.repeat(Math.ceil(length / filler.length)).slice(0, length);
    for (const d of drops) {
      const at = Math.floor(d.at * text.length);
      text = text.slice(0, at) + d.text + text.slice(at);
    }
    return text;
  });

describe("printableEscapes", () => {
  it("finds every quote and backslash of printable ASCII, in order", () => {
    const text = `${"a".repeat(LONG_TEXT)}"b\\c"${"\u007f".repeat(100)}`;
    expect(printableEscapes(text)).toEqual([LONG_TEXT, LONG_TEXT + 2, LONG_TEXT + 4]);
    expect(printableEscapes("plain")).toEqual([]);
  });

  it("declines every control character and anything past U+007F, wherever it is", () => {
    const base = "a".repeat(3 * 65_536);
    for (let code = 0; code < 0x20; code++)
      expect(printableEscapes(base + String.fromCharCode(code))).toBeNull();
    for (const odd of ["\u0080", "é", "\u00ff", "漢", "😀", "\udc00"]) {
      expect(printableEscapes(odd + base)).toBeNull();
      expect(printableEscapes(base + odd)).toBeNull();
    }
  });

  it("declines dense quotes (the scan is as fast there)", () => {
    expect(printableEscapes('"a'.repeat(LONG_TEXT))).toBeNull();
    expect(printableEscapes(`${"a".repeat(63)}"`.repeat(LONG_TEXT >> 6))).not.toBeNull();
  });

  it("property: when it answers, length + 2 + its count is the JSON string's size", () => {
    fc.assert(
      fc.property(longText, (text) => {
        const escapes = printableEscapes(text);
        if (escapes) expect(text.length + 2 + escapes.length).toBe(nodeBytes(text));
        expect(wireBytes(text)).toBe(nodeBytes(text));
      }),
      { numRuns: 200 },
    );
  });
});

describe("splitText over long JSON text", () => {
  /** The same measure, not the same function: splitText measures every piece with it. */
  const scanned = (piece: string) => wireBytes(piece);

  it("property: the same pieces and sizes as measuring each piece", () => {
    fc.assert(
      fc.property(longText, fc.integer({ min: 64, max: 40_000 }), (text, maxBytes) => {
        const fast: number[] = [];
        const slow: number[] = [];
        expect(splitText(text, maxBytes, wireBytes, fast)).toEqual(splitText(text, maxBytes, scanned, slow));
        expect(fast).toEqual(slow);
      }),
      { numRuns: 60 },
    );
  });

  it("cuts a 1 MB envelope's text into pieces of exactly their measured size, each within budget", () => {
    const text = JSON.stringify([1, 0, "m", "e", 5, 0, { d: { blob: "y".repeat(1_048_556), q: 'a"b\\c' } }]);
    const sizes: number[] = [];
    const pieces = splitText(text, 261_000, wireBytes, sizes);
    expect(pieces.join("")).toBe(text);
    expect(pieces).toHaveLength(5);
    pieces.forEach((piece, i) => {
      expect(sizes[i]).toBe(wireBytes(piece));
      expect(sizes[i]).toBeLessThanOrEqual(261_000);
    });
  });
});

describe("jsonBytes of long strings", () => {
  it("property: Node's count of JSON.stringify, in values of any shape", () => {
    fc.assert(
      fc.property(longText, fc.constantFrom("top", "object", "array"), (text, shape) => {
        const value =
          shape === "top" ? text : shape === "object" ? { a: text, b: [1, text] } : [text, null, true];
        expect(jsonBytes(value)).toBe(nodeBytes(value));
      }),
      { numRuns: 150 },
    );
  });

  it("counts what JSON leaves out or writes its own way as JSON does", () => {
    const text = "z".repeat(LONG_TEXT);
    for (const value of [
      { a: undefined, b: text },
      [text, -0, 1e21],
      { toJSON: () => text },
      { ["__proto__"]: 1 },
    ])
      expect(jsonBytes(value)).toBe(nodeBytes(value));
  });
});

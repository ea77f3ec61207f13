import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import {
  byteLength,
  decodeFrame,
  encodeEnvelope,
  encodeFrame,
  jsonWireLength,
  parseSafe,
  pieceWireLength,
  readEnvelope,
  utf8Length,
  wireBytes,
} from "../../../src/pipeline/codec";
import { type Envelope, KINDS, PROTOCOL_VERSION } from "../../../src/pipeline/envelope";

const MAX = 1024 * 1024;
const FORBIDDEN = ["__proto__", "constructor", "prototype"];

/** JSON numbers cannot carry -0: normalise it so that the value is one the wire can represent. */
function noNegativeZero(value: unknown): unknown {
  if (Object.is(value, -0)) return 0;
  if (Array.isArray(value)) return value.map(noNegativeZero);
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value))
      Object.defineProperty(out, k, {
        value: noNegativeZero(v),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    return out;
  }
  return value;
}

function hasForbiddenKey(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasForbiddenKey);
  if (typeof value === "object" && value !== null) {
    return Object.keys(value).some(
      (k) => FORBIDDEN.includes(k) || hasForbiddenKey((value as Record<string, unknown>)[k]),
    );
  }
  return false;
}

const nameArb = fc.string({ minLength: 1, maxLength: 64, unit: "binary" }).filter((s) => s.length <= 64);
const payloadArb = fc
  .jsonValue({ maxDepth: 4 })
  .map(noNegativeZero)
  .filter((d) => !hasForbiddenKey(d));

const envelopeArb: fc.Arbitrary<Envelope> = fc.record(
  {
    q: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    k: fc.constantFrom(...KINDS),
    c: nameArb,
    e: nameArb,
    d: payloadArb,
    t: fc.array(fc.string({ maxLength: 16 }), { maxLength: 5 }),
    a: fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (Object.is(n, -0) ? 0 : n)),
    r: fc.string({ maxLength: 200 }),
    f: fc.integer(),
    o: fc.dictionary(
      fc.string({ minLength: 1, maxLength: 16 }).filter((k) => !FORBIDDEN.includes(k)),
      fc.tuple(
        fc.string({ minLength: 1, maxLength: 64 }),
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
      ),
      { maxKeys: 4 },
    ),
  },
  { requiredKeys: ["q", "k", "c", "e", "a"] },
);
const sessionArb = fc.string({ minLength: 1, maxLength: 64 });

function validFrameText(): fc.Arbitrary<string> {
  return fc
    .tuple(sessionArb, fc.array(envelopeArb, { maxLength: 4 }))
    .map(([s, envs]) => encodeFrame(s, envs.map(encodeEnvelope)));
}

/** Decodes and checks every envelope, as the receiving pipeline does; must never throw. */
function decodeAndCheck(raw: unknown, maxBytes = MAX): void {
  const result = decodeFrame(raw, maxBytes);
  if (result.ok) {
    expect(result.frame.v).toBe(PROTOCOL_VERSION);
    expect(typeof result.frame.s).toBe("string");
    expect(Array.isArray(result.frame.e)).toBe(true);
    for (const env of result.frame.e) readEnvelope(env);
  } else {
    expect(["malformed", "protocol", "oversize", "envelope-shape"]).toContain(result.reason);
  }
}

describe("encode/decode round trip", () => {
  it("gives back equal, valid envelopes for arbitrary frames", () => {
    fc.assert(
      fc.property(sessionArb, fc.array(envelopeArb, { maxLength: 8 }), (session, envs) => {
        const raw = encodeFrame(session, envs.map(encodeEnvelope));
        const result = decodeFrame(raw, MAX);
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        expect(result.frame.v).toBe(PROTOCOL_VERSION);
        expect(result.frame.s).toBe(session);
        expect(result.frame.e.map(readEnvelope)).toEqual(envs);
      }),
      { numRuns: 500 },
    );
  });

  it("encodeFrame produces standard JSON of the frame, each envelope a compact array", () => {
    const env: Envelope = { q: 1, k: "msg", c: "mod", e: "ev", d: { x: [1, "é"] }, a: 5 };
    const raw = encodeFrame("sess", [encodeEnvelope(env)]);
    expect(JSON.parse(raw)).toEqual({
      v: PROTOCOL_VERSION,
      s: "sess",
      e: [[1, 0, "mod", "ev", 5, 0, env.d]],
    });
  });

  it("rare fields travel together in the extras object, in the envelope's sixth place", () => {
    const env: Envelope = {
      q: 3,
      k: "res",
      c: "m",
      e: "e",
      a: 7,
      t: ["u1"],
      r: "s:1",
      f: 1,
      o: { u1: ["x", 2] },
    };
    expect(JSON.parse(encodeEnvelope(env))).toEqual([
      3,
      KINDS.indexOf("res"),
      "m",
      "e",
      7,
      { t: ["u1"], r: "s:1", f: 1, o: { u1: ["x", 2] } },
    ]);
  });

  it("a null payload stays null and an absent one stays absent", () => {
    const base: Envelope = { q: 1, k: "msg", c: "m", e: "e", a: 0 };
    expect(readEnvelope(JSON.parse(encodeEnvelope({ ...base, d: null })))).toEqual({ ...base, d: null });
    expect(readEnvelope(JSON.parse(encodeEnvelope(base)))).toEqual(base);
  });

  it("an envelope without payload has no d key after the round trip", () => {
    const env: Envelope = { q: 2, k: "ping", c: "socket-manager", e: "$ping", a: 1 };
    const result = decodeFrame(encodeFrame("s", [encodeEnvelope(env)]), MAX);
    const decoded = result.ok ? readEnvelope(result.frame.e[0]) : null;
    expect(decoded && Object.hasOwn(decoded, "d")).toBe(false);
    expect(decoded).toEqual(env);
  });

  it("reports the byte size of a decoded frame", () => {
    const raw = encodeFrame("s", [
      encodeEnvelope({ q: 1, k: "msg", c: "m", e: "e", d: "x".repeat(100), a: 0 }),
    ]);
    const result = decodeFrame(raw, MAX);
    expect(result.ok).toBe(true);
    expect(result.bytes).toBe(Buffer.byteLength(raw, "utf8"));
  });
});

describe("hostile input never throws", () => {
  it("arbitrary strings are refused as malformed unless they happen to be a frame", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 200 }), (s) => {
        expect(() => decodeAndCheck(s)).not.toThrow();
        let parses = true;
        try {
          JSON.parse(s);
        } catch {
          parses = false;
        }
        if (!parses) expect(decodeFrame(s, MAX)).toMatchObject({ ok: false, reason: "malformed" });
      }),
      { numRuns: 3000 },
    );
  });

  it("arbitrary JSON values are refused with a reason unless they are a version-1 frame", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), (value) => {
        const raw = JSON.stringify(value);
        expect(() => decodeAndCheck(raw)).not.toThrow();
        const result = decodeFrame(raw, MAX);
        if (typeof value !== "object" || value === null || Array.isArray(value)) {
          expect(result).toMatchObject({ ok: false, reason: "malformed" });
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("frame-shaped objects with arbitrary field values never throw", () => {
    const anyJson = fc.jsonValue({ maxDepth: 3 });
    fc.assert(
      fc.property(
        fc.record({
          v: fc.oneof(fc.constant(1), anyJson),
          s: fc.oneof(sessionArb, anyJson),
          e: fc.array(
            fc.oneof(
              envelopeArb,
              anyJson,
              fc.array(anyJson, { maxLength: 8 }),
              fc.tuple(
                fc.oneof(fc.nat(), anyJson),
                fc.oneof(fc.integer({ min: -1, max: 10 }), anyJson),
                fc.oneof(nameArb, anyJson),
                fc.oneof(nameArb, anyJson),
                fc.oneof(fc.nat(), anyJson),
                fc.oneof(
                  fc.constant(0),
                  fc.dictionary(fc.constantFrom("t", "r", "f", "o", "z"), anyJson),
                  anyJson,
                ),
                anyJson,
              ),
            ),
            { maxLength: 4 },
          ),
        }),
        (frame) => {
          const raw = JSON.stringify(frame);
          expect(() => decodeAndCheck(raw)).not.toThrow();
          const result = decodeFrame(raw, MAX);
          if (result.ok) for (const env of result.frame.e) expect(typeof readEnvelope(env)).toBe("object");
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("mutated valid frames never throw", () => {
    const mutation = fc.oneof(
      fc.record({ op: fc.constant("delete" as const), at: fc.nat() }),
      fc.record({
        op: fc.constant("insert" as const),
        at: fc.nat(),
        ch: fc.constantFrom(...'{}[]",:\\0-1eE.nutf \u0000\ud800'),
      }),
      fc.record({
        op: fc.constant("replace" as const),
        at: fc.nat(),
        ch: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
      }),
      fc.record({ op: fc.constant("truncate" as const), at: fc.nat() }),
    );
    fc.assert(
      fc.property(validFrameText(), fc.array(mutation, { minLength: 1, maxLength: 6 }), (raw, mutations) => {
        let s = raw;
        for (const m of mutations) {
          const at = s.length === 0 ? 0 : m.at % s.length;
          if (m.op === "delete") s = s.slice(0, at) + s.slice(at + 1);
          else if (m.op === "insert") s = s.slice(0, at) + m.ch + s.slice(at);
          else if (m.op === "replace") s = s.slice(0, at) + m.ch + s.slice(at + 1);
          else s = s.slice(0, at);
        }
        expect(() => decodeAndCheck(s)).not.toThrow();
      }),
      { numRuns: 3000 },
    );
  });

  it.each([
    ["undefined", undefined],
    ["null", null],
    ["a number", 42],
    ["an object", { v: 1, s: "s", e: [] }],
    ["a buffer", new Uint8Array([123, 125])],
  ])("a non-string raw frame (%s) is malformed", (_label, raw) => {
    expect(decodeFrame(raw, MAX)).toMatchObject({ ok: false, reason: "malformed" });
  });

  it.each([
    ["empty string", ""],
    ["truncated", '{"v":1,"s":"a","e":['],
    ["array", '[{"v":1}]'],
    ["string", '"frame"'],
    ["null", "null"],
    ["missing version", '{"s":"a","e":[]}'],
    ["string version", '{"v":"1","s":"a","e":[]}'],
    ["missing session", '{"v":1,"e":[]}'],
    ["empty session", '{"v":1,"s":"","e":[]}'],
    ["long session", `{"v":1,"s":"${"x".repeat(65)}","e":[]}`],
    ["numeric session", '{"v":1,"s":7,"e":[]}'],
    ["envelopes not an array", '{"v":1,"s":"a","e":{}}'],
  ])("refuses a malformed frame: %s", (_label, raw) => {
    expect(decodeFrame(raw, MAX)).toMatchObject({ ok: false, reason: "malformed" });
  });
});

describe("readEnvelope", () => {
  const good: Envelope = { q: 1, k: "msg", c: "mod", e: "ev", a: 1000 };
  /** The good envelope's wire form with `patch` applied, index by index (extras as index 5). */
  const wire = (patch: Record<number, unknown> = {}): unknown[] => {
    const w: unknown[] = [1, 0, "mod", "ev", 1000, 0];
    for (const [i, v] of Object.entries(patch)) w[Number(i)] = v;
    return w;
  };

  it("accepts a minimal envelope and one with every optional field", () => {
    expect(readEnvelope(wire())).toEqual(good);
    const full = readEnvelope(
      wire({ 5: { t: ["u1"], r: "s:1", f: 1, o: { u1: ["sess", 3] } }, 6: { x: 1 } }),
    );
    expect(full).toEqual({ ...good, d: { x: 1 }, t: ["u1"], r: "s:1", f: 1, o: { u1: ["sess", 3] } });
  });

  it("ignores extras keys it does not know", () => {
    expect(readEnvelope(wire({ 5: { z: 1, t: ["u1"] } }))).toEqual({ ...good, t: ["u1"] });
  });

  it.each([
    ["q zero", { 0: 0 }],
    ["q negative", { 0: -1 }],
    ["q fractional", { 0: 1.5 }],
    ["q unsafe", { 0: 2 ** 60 }],
    ["q string", { 0: "1" }],
    ["unknown kind code", { 1: KINDS.length }],
    ["negative kind code", { 1: -1 }],
    ["fractional kind code", { 1: 0.5 }],
    ["kind as a name", { 1: "msg" }],
    ["empty channel", { 2: "" }],
    ["long channel", { 2: "c".repeat(65) }],
    ["empty event", { 3: "" }],
    ["long event", { 3: "e".repeat(65) }],
    ["non-string event", { 3: 5 }],
    ["string time", { 4: "1000" }],
    ["null time", { 4: null }],
    ["extras null", { 5: null }],
    ["extras an array", { 5: [] }],
    ["extras a number other than 0", { 5: 1 }],
    ["targets not an array", { 5: { t: "u1" } }],
    ["non-string target", { 5: { t: ["u1", 2] } }],
    ["too many targets", { 5: { t: Array.from({ length: 10_001 }, (_, i) => `u${i}`) } }],
    ["numeric reply id", { 5: { r: 5 } }],
    ["long reply id", { 5: { r: "r".repeat(201) } }],
    ["fractional flags", { 5: { f: 0.5 } }],
    ["string flags", { 5: { f: "1" } }],
    ["stream tags as an array", { 5: { o: [["s", 1]] } }],
    ["stream tags as a string", { 5: { o: "u1" } }],
    ["null stream tags", { 5: { o: null } }],
  ])("refuses %s", (_label, patch) => {
    expect(readEnvelope(wire(patch))).toBeNull();
  });

  it.each([null, undefined, 1, "env", good, [], [1, 0, "mod", "ev"], [...wire(), {}, 1]])(
    "refuses a value that is not a 6- or 7-element array %#",
    (value) => {
      expect(readEnvelope(value)).toBeNull();
    },
  );

  it("kind codes are part of the wire format: the list may only grow at its end", () => {
    expect(KINDS).toEqual(["msg", "req", "res", "err", "ack", "hello", "ping", "pong", "chunk"]);
  });

  it("accepts every kind and 64-character names", () => {
    KINDS.forEach((k, code) => {
      expect(readEnvelope(wire({ 1: code }))).toEqual({ ...good, k });
    });
    expect(readEnvelope(wire({ 2: "c".repeat(64), 3: "e".repeat(64) }))).toMatchObject({
      c: "c".repeat(64),
      e: "e".repeat(64),
    });
  });
});

describe("prototype pollution", () => {
  function assertNoForbiddenKeys(value: unknown, path = "frame"): void {
    if (Array.isArray(value)) {
      value.forEach((v, i) => {
        assertNoForbiddenKeys(v, `${path}[${i}]`);
      });
      return;
    }
    if (typeof value === "object" && value !== null) {
      expect(Object.getPrototypeOf(value), path).toBe(Object.prototype);
      for (const key of FORBIDDEN) expect(Object.hasOwn(value, key), `${path}.${key}`).toBe(false);
      for (const [k, v] of Object.entries(value)) assertNoForbiddenKeys(v, `${path}.${k}`);
    }
  }

  /** A consumer's naive deep merge: exactly the code a forbidden key would exploit. */
  function naiveMerge(target: Record<string, unknown>, source: unknown): void {
    if (typeof source !== "object" || source === null) return;
    for (const key of Object.keys(source)) {
      const value = (source as Record<string, unknown>)[key];
      if (typeof value === "object" && value !== null && !Array.isArray(value)) {
        if (typeof target[key] !== "object" || target[key] === null) target[key] = {};
        naiveMerge(target[key] as Record<string, unknown>, value);
      } else target[key] = value;
    }
  }

  const spellings = [
    "__proto__",
    "constructor",
    "prototype",
    "__pro\\u0074o__",
    "\\u005f\\u005fproto\\u005f\\u005f",
    "\\u0063onstructor",
    "protot\\u0079pe",
    "\\u005F_proto__",
  ];

  it.each(spellings)("removes %s at any depth", (key) => {
    const payload = `{"a":{"${key}":{"polluted":true}},"b":[{"${key}":{"polluted":true}}],"${key}":{"polluted":true},"keep":1}`;
    const extras = `{"${key}":{"polluted":true},"t":["u1"]}`;
    const raw = `{"v":1,"s":"s","${key}":{"polluted":true},"e":[[1,0,"m","ev",0,${extras},${payload}]]}`;
    const result = decodeFrame(raw, MAX);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    assertNoForbiddenKeys(result.frame);
    const env = readEnvelope(result.frame.e[0]);
    expect(env).not.toBeNull();
    expect(env?.t).toEqual(["u1"]);
    expect(env?.d).toEqual({ a: {}, b: [{}], keep: 1 });
    naiveMerge({}, env?.d);
    naiveMerge({}, result.frame);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("removes constructor.prototype chains", () => {
    const raw = `{"v":1,"s":"s","e":[[1,0,"m","ev",0,0,{"constructor":{"prototype":{"polluted":true}}}]]}`;
    const result = decodeFrame(raw, MAX);
    const env = result.ok ? readEnvelope(result.frame.e[0]) : null;
    expect(env?.d).toEqual({});
    naiveMerge({}, env?.d);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("keeps harmless keys that merely contain a forbidden word", () => {
    const d = {
      my__proto__: 1,
      constructorName: "x",
      prototypes: [1],
      text: "__proto__ constructor \\u0041",
    };
    const raw = encodeFrame("s", [encodeEnvelope({ q: 1, k: "msg", c: "m", e: "e", a: 0, d })]);
    const result = decodeFrame(raw, MAX);
    expect(result.ok && readEnvelope(result.frame.e[0])?.d).toEqual(d);
  });

  it("property: a forbidden key injected anywhere in a payload never survives", () => {
    const keyArb = fc.constantFrom(...spellings);
    fc.assert(
      fc.property(payloadArb, keyArb, fc.nat({ max: 3 }), (payload, key, depth) => {
        let inner = `{"${key}":{"polluted":true,"x":${JSON.stringify(payload)}}}`;
        for (let i = 0; i < depth; i++) inner = i % 2 === 0 ? `{"n":${inner}}` : `[${inner}]`;
        const raw = `{"v":1,"s":"s","e":[[1,0,"m","ev",0,0,${inner}]]}`;
        const result = decodeFrame(raw, MAX);
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        assertNoForbiddenKeys(result.frame);
        naiveMerge({}, readEnvelope(result.frame.e[0])?.d);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });
});

describe("parseSafe", () => {
  it("parses like JSON.parse when nothing is risky", () => {
    const value = { a: [1, "two", { three: null }], b: true };
    expect(parseSafe(JSON.stringify(value))).toEqual(value);
  });

  it("drops forbidden keys at any depth, including escaped spellings", () => {
    const parsed = parseSafe(
      '{"a":{"__proto__":{"polluted":1}},"b":[{"constructor":{"prototype":{"polluted":1}}}],"\\u005f_proto__":1,"c":2}',
    );
    expect(parsed).toEqual({ a: {}, b: [{}], c: 2 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("throws on malformed text, like JSON.parse", () => {
    expect(() => parseSafe("{")).toThrow(SyntaxError);
    expect(() => parseSafe('{"__proto__":')).toThrow(SyntaxError);
  });
});

describe("protocol version and size", () => {
  it.each([2, 99, 1.5, 0, -1])("a frame of version %s is refused as protocol", (v) => {
    expect(decodeFrame(`{"v":${v},"s":"s","e":[]}`, MAX)).toMatchObject({ ok: false, reason: "protocol" });
  });

  it("a newer frame with an unknown shape is still refused as protocol, not malformed", () => {
    expect(decodeFrame('{"v":2,"frames":{"x":1}}', MAX)).toMatchObject({ ok: false, reason: "protocol" });
  });

  it("refuses a frame over maxBytes as oversize, counting UTF-8 bytes", () => {
    const frameOf = (d: string) =>
      encodeFrame("s", [encodeEnvelope({ q: 1, k: "msg", c: "m", e: "e", a: 0, d })]);
    const ascii = frameOf("x".repeat(2000));
    const bytes = Buffer.byteLength(ascii, "utf8");
    expect(decodeFrame(ascii, bytes)).toMatchObject({ ok: true, bytes });
    expect(decodeFrame(ascii, bytes - 1)).toMatchObject({ ok: false, reason: "oversize" });

    const wide = frameOf("é漢😀".repeat(300));
    const wideBytes = Buffer.byteLength(wide, "utf8");
    expect(wideBytes).toBeGreaterThan(wide.length);
    expect(decodeFrame(wide, wideBytes).ok).toBe(true);
    expect(decodeFrame(wide, wideBytes - 1)).toMatchObject({ ok: false, reason: "oversize" });
    // Under UTF-16 length it would pass; UTF-8 length is what counts on the wire.
    expect(decodeFrame(wide, wide.length)).toMatchObject({ ok: false, reason: "oversize" });
  });

  it("checks size before parsing, so oversize garbage is oversize", () => {
    expect(decodeFrame("{".repeat(5000), 4096)).toMatchObject({ ok: false, reason: "oversize" });
  });
});

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
      const codec = await import("../../../src/pipeline/codec");
      expect(codec.wireBytes).not.toBe(wireBytes);
      fc.assert(
        fc.property(fc.string({ unit: escapeUnit, maxLength: 400 }), (s) => {
          expect(codec.wireBytes(s)).toBe(onTheWire(s));
        }),
        { numRuns: 1000 },
      );
      expect(codec.wireBytes("😀\ud800".repeat(50_000))).toBe(onTheWire("😀\ud800".repeat(50_000)));
    } finally {
      if (native) Object.defineProperty(String.prototype, "isWellFormed", native);
      vi.resetModules();
    }
  });
});

describe("jsonWireLength", () => {
  it("property: for JSON.stringify output it equals wireBytes - 2 (the exact size inside a frame)", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string({ unit: "binary", maxLength: 80 }), (value, text) => {
        for (const json of [JSON.stringify(value), JSON.stringify(text), JSON.stringify([text, value])]) {
          expect(jsonWireLength(json, byteLength(json))).toBe(wireBytes(json) - 2);
          expect(jsonWireLength(json, byteLength(json))).toBe(onTheWire(json) - 2);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe("pieceWireLength", () => {
  it("property: a slice of JSON text measures as it travels inside a chunk envelope inside a frame", () => {
    fc.assert(
      fc.property(fc.string({ unit: escapeUnit, maxLength: 200 }), fc.nat(), fc.nat(), (value, a, b) => {
        const json = JSON.stringify({ value });
        // Any slice that does not cut a surrogate pair (JSON text holds no lone surrogates of its own).
        let [from, to] = [a % (json.length + 1), b % (json.length + 1)].sort((x, y) => x - y) as [
          number,
          number,
        ];
        const isLow = (i: number) => /[\udc00-\udfff]/.test(json.charAt(i));
        if (isLow(from)) from++;
        if (to > from && isLow(to)) to--;
        const piece = json.slice(from, Math.max(from, to));
        expect(pieceWireLength(piece)).toBe(onTheWire(JSON.stringify(piece)) - 2);
      }),
      { numRuns: 2000 },
    );
  });
});

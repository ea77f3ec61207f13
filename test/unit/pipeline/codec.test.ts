import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeFrame,
  encodeEnvelope,
  encodeFrame,
  frameBytes,
  readEnvelope,
  sealChunk,
  sealEnvelope,
  wireFrame,
} from "../../../src/pipeline/codec";
import { type Envelope, KINDS, PROTOCOL_VERSION } from "../../../src/pipeline/envelope";
import { RESERVED_KEY } from "../../../src/pipeline/incoming";

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
    w: fc.integer({ min: 0, max: 3_600_000 }),
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

/** What socket.io does to an emitted argument: JSON out, JSON in. */
const overTheWire = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), "utf8");

describe("object frames: sealed, sent, decoded", () => {
  it("property: an envelope's sealed size is the UTF-8 size of its JSON, and decoding measures the same", () => {
    fc.assert(
      fc.property(sessionArb, fc.array(envelopeArb, { maxLength: 6 }), (session, envs) => {
        const sealed = envs.map((env) => sealEnvelope({ ...env }));
        for (const one of sealed) expect(one.bytes).toBe(jsonBytes(one.wire));
        const frame = wireFrame(
          session,
          sealed.map((one) => one.wire),
        );
        const total = sealed.reduce((sum, one) => sum + one.bytes, 0);
        expect(frameBytes(session, sealed.length, total)).toBe(jsonBytes(frame));
        const result = decodeFrame(overTheWire(frame), MAX);
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        expect(result.bytes).toBe(jsonBytes(frame));
        expect(result.sizes).toEqual(sealed.map((one) => one.bytes));
        expect(result.frame.e.map(readEnvelope)).toEqual(envs);
      }),
      { numRuns: 500 },
    );
  });

  it("the object form and the text form of a frame decode alike", () => {
    const env: Envelope = { q: 4, k: "msg", c: "mod", e: "ev", a: 9, d: { say: 'a "b" \\ é' }, t: ["u1"] };
    const object = wireFrame("sess", [sealEnvelope(env).wire]);
    const text = encodeFrame("sess", [encodeEnvelope(env)]);
    expect(text).toBe(JSON.stringify(object));
    const fromObject = decodeFrame(overTheWire(object), MAX);
    const fromText = decodeFrame(text, MAX);
    expect(fromObject).toEqual(fromText);
    expect(fromObject.ok && readEnvelope(fromObject.frame.e[0])).toEqual(env);
  });

  it("sealing copies the payload: changing the original afterwards changes nothing sealed", () => {
    const d = { list: [1, { deep: "x" }], n: 1 };
    const sealed = sealEnvelope({ q: 1, k: "msg", c: "m", e: "e", a: 0, d });
    const before = JSON.stringify(sealed.wire);
    d.list.push(2);
    (d.list[1] as { deep: string }).deep = "changed";
    d.n = 2;
    expect(JSON.stringify(sealed.wire)).toBe(before);
    expect(sealed.bytes).toBe(Buffer.byteLength(before, "utf8"));
  });
});

describe("sealChunk", () => {
  it("property: sized without walking its piece, exactly as sealEnvelope sizes the same chunk", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "binary", maxLength: 300 }),
        fc.nat({ max: 1e9 }),
        fc.nat({ max: 99_999 }),
        fc.option(fc.array(fc.string({ minLength: 1, maxLength: 8 }), { maxLength: 3 }), { nil: undefined }),
        (piece, parent, index, targets) => {
          const d: [number, number, number, string] = [parent + 1, index, index + 2, piece];
          const env = { q: 7, k: "chunk", c: "m", e: "ev", a: 1, d } as Envelope & { d: typeof d };
          if (targets) env.t = targets;
          const sealed = sealChunk(env, Buffer.byteLength(JSON.stringify(piece), "utf8"));
          expect(sealed.bytes).toBe(Buffer.byteLength(JSON.stringify(sealed.wire), "utf8"));
          expect(sealed).toEqual(sealEnvelope(env));
        },
      ),
      { numRuns: 500 },
    );
  });
});

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

  it("an envelope without payload reads back without one (undefined, not null) and travels again without one", () => {
    const env: Envelope = { q: 2, k: "ping", c: "socket-manager", e: "$ping", a: 1 };
    const result = decodeFrame(encodeFrame("s", [encodeEnvelope(env)]), MAX);
    const decoded = result.ok ? readEnvelope(result.frame.e[0]) : null;
    expect(decoded).not.toBeNull();
    expect(decoded?.d).toBeUndefined();
    expect(decoded).toEqual(env);
    // No payload slot on the wire: six items, the seventh being the payload.
    expect(JSON.parse(encodeEnvelope(decoded as Envelope))).toHaveLength(6);
    expect(sealEnvelope(decoded as Envelope).wire).toHaveLength(6);
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
    ["an array", [{ v: 1, s: "s", e: [] }]],
    ["a buffer", new Uint8Array([123, 125])],
  ])("a raw frame that is neither an object nor text (%s) is malformed", (_label, raw) => {
    expect(decodeFrame(raw, MAX)).toMatchObject({ ok: false, reason: "malformed" });
  });

  it("property: arbitrary objects (as socket.io hands them over) never throw", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), fc.jsonValue({ maxDepth: 5 }), (e, other) => {
        const raw = overTheWire({ v: 1, s: "s", e: [e, [1, 0, "m", "e", 0, 0, other]] });
        expect(() => decodeAndCheck(raw)).not.toThrow();
      }),
      { numRuns: 1000 },
    );
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
      wire({ 5: { t: ["u1"], r: "s:1", f: 1, o: { u1: ["sess", 3] }, w: 600_000 }, 6: { x: 1 } }),
    );
    expect(full).toEqual({
      ...good,
      d: { x: 1 },
      t: ["u1"],
      r: "s:1",
      f: 1,
      o: { u1: ["sess", 3] },
      w: 600_000,
    });
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
    ["string wait", { 5: { w: "600000" } }],
    ["negative wait", { 5: { w: -1 } }],
    ["null wait", { 5: { w: null } }],
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

  /** The frame's first envelope holds the key (at `where`), its second is honest. */
  function frameWith(key: string, where: "payload" | "nested" | "array" | "extras"): string {
    const evil = `{"${key}":{"polluted":true}}`;
    const payload = { payload: evil, nested: `{"a":{"b":${evil}}}`, array: `[1,[${evil}]]`, extras: "1" }[
      where
    ];
    const extras = where === "extras" ? `{"t":["u1"],"o":${evil}}` : "0";
    const honest = '[2,0,"m","ev",0,0,{"keep":1}]';
    return `{"v":1,"s":"s","e":[[1,0,"m","ev",0,${extras},${payload}],${honest}]}`;
  }

  for (const where of ["payload", "nested", "array", "extras"] as const)
    it.each(spellings)(`refuses the envelope holding %s (${where}), keeps the frame's others`, (key) => {
      for (const raw of [frameWith(key, where), JSON.parse(frameWith(key, where)) as unknown]) {
        const result = decodeFrame(raw, MAX);
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        expect(result.sizes[0]).toBe(RESERVED_KEY);
        expect(result.sizes[1]).toBe(JSON.stringify(result.frame.e[1]).length);
        assertNoForbiddenKeys(readEnvelope(result.frame.e[1]));
        expect(readEnvelope(result.frame.e[1])?.d).toEqual({ keep: 1 });
        naiveMerge({}, readEnvelope(result.frame.e[1])?.d);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
      }
    });

  it("refuses constructor.prototype chains", () => {
    const raw = `{"v":1,"s":"s","e":[[1,0,"m","ev",0,0,{"constructor":{"prototype":{"polluted":true}}}]]}`;
    const result = decodeFrame(raw, MAX);
    expect(result.ok && result.sizes).toEqual([RESERVED_KEY]);
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
    expect(result.ok && result.sizes[0]).toBeGreaterThan(0);
  });

  it("property: an envelope with a forbidden key injected anywhere in its payload is refused", () => {
    const keyArb = fc.constantFrom(...spellings);
    fc.assert(
      fc.property(payloadArb, keyArb, fc.nat({ max: 3 }), (payload, key, depth) => {
        let inner = `{"${key}":{"polluted":true,"x":${JSON.stringify(payload)}}}`;
        for (let i = 0; i < depth; i++) inner = i % 2 === 0 ? `{"n":${inner}}` : `[${inner}]`;
        const raw = `{"v":1,"s":"s","e":[[1,0,"m","ev",0,0,${inner}]]}`;
        const result = decodeFrame(JSON.parse(raw), MAX);
        expect(result.ok && result.sizes).toEqual([RESERVED_KEY]);
      }),
      { numRuns: 500 },
    );
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

import { describe, expect, it } from "vitest";
import { CLOSE, DEFAULT_MAX_FRAME_BYTES, PROTOCOL_VERSION } from "../src/index.js";
import { decodeClientFrame, decodeHello, utf8Length } from "../src/protocol.js";

const MAX = DEFAULT_MAX_FRAME_BYTES;
const hello = {
  type: "hello",
  v: 1,
  token: "t",
  world: "w",
  user: "u",
  module: "0.1.0",
  capabilities: ["request", "event", "ping"],
};

describe("protocol (pure)", () => {
  it("has version 1 and the documented limits and close codes", () => {
    expect(PROTOCOL_VERSION).toBe(1);
    expect(MAX).toBe(1_048_576);
    expect(Object.fromEntries(Object.entries(CLOSE).map(([k, v]) => [k, [v.code, v.reason]]))).toEqual({
      goingAway: [1001, "server closing"],
      tooLarge: [1009, "frame too large"],
      unauthorized: [4001, "unauthorized"],
      unsupportedVersion: [4002, "unsupported version"],
      badHello: [4003, "bad hello"],
      replaced: [4004, "replaced"],
      helloTimeout: [4008, "hello timeout"],
      tooManyBadFrames: [4009, "too many bad frames"],
    });
  });

  it("reads a hello, ignoring fields it does not know and keeping unknown capabilities", () => {
    const result = decodeHello(JSON.stringify({ ...hello, extra: 1, capabilities: ["future"] }), MAX);
    expect(result).toEqual({ ok: true, hello: { ...hello, capabilities: ["future"] } });
  });

  it("answers 4002 only for a numeric v other than 1, 4003 for the rest", () => {
    expect(decodeHello(JSON.stringify({ ...hello, v: 2 }), MAX)).toEqual({
      ok: false,
      close: CLOSE.unsupportedVersion,
    });
    expect(decodeHello(JSON.stringify({ ...hello, v: 1.5 }), MAX)).toEqual({
      ok: false,
      close: CLOSE.unsupportedVersion,
    });
    expect(decodeHello(JSON.stringify({ ...hello, v: "1" }), MAX)).toEqual({
      ok: false,
      close: CLOSE.badHello,
    });
    expect(decodeHello(JSON.stringify({ ...hello, world: "w".repeat(257) }), MAX)).toEqual({
      ok: false,
      close: CLOSE.badHello,
    });
    expect(decodeHello(JSON.stringify(hello), 10)).toEqual({ ok: false, close: CLOSE.badHello });
  });

  it("decodes each client frame type", () => {
    const cases: [unknown, unknown][] = [
      [
        { type: "response", id: "r1", ok: true, data: [1] },
        { type: "response", id: "r1", ok: true, data: [1] },
      ],
      [
        { type: "response", id: "r1", ok: false, error: { code: "FUTURE_CODE", message: "m", stack: "x" } },
        { type: "response", id: "r1", ok: false, error: { code: "FUTURE_CODE", message: "m" } },
      ],
      [
        { type: "event", event: "e", data: { a: 1 }, at: 5 },
        { type: "event", event: "e", data: { a: 1 }, at: 5 },
      ],
      [
        { type: "events", events: [] },
        { type: "events", events: [] },
      ],
      [
        { type: "events", events: [{ type: "event", event: "e", at: 1, data: false }] },
        { type: "events", events: [{ event: "e", at: 1, data: false }] },
      ],
      [
        { type: "ping", id: "p", at: 0 },
        { type: "ping", id: "p", at: 0 },
      ],
      [
        { type: "pong", id: "p", at: -1 },
        { type: "pong", id: "p", at: -1 },
      ],
    ];
    for (const [input, frame] of cases) {
      expect(decodeClientFrame(JSON.stringify(input), MAX)).toEqual({ ok: true, frame });
    }
  });

  it("refuses by reason and never throws", () => {
    const reason = (text: string, max = MAX) => {
      const r = decodeClientFrame(text, max);
      return r.ok ? "ok" : r.reason;
    };
    expect(reason("")).toBe("malformed");
    expect(reason("{")).toBe("malformed");
    expect(reason("1")).toBe("malformed");
    expect(reason('{"type":null}')).toBe("malformed");
    expect(reason('{"type":"welcome","v":1}')).toBe("unknown-type");
    // 1e999 is valid JSON and parses to Infinity, which is not a time.
    expect(reason('{"type":"ping","id":"p","at":1e999}')).toBe("invalid");
    expect(reason('{"type":"ping","id":"p","at":1}', 10)).toBe("oversize");
    expect(reason(`{"type":"ping","id":"${"x".repeat(64)}","at":1}`)).toBe("ok");
    expect(reason(`{"type":"ping","id":"${"x".repeat(65)}","at":1}`)).toBe("invalid");
  });

  it("measures UTF-8 bytes", () => {
    for (const text of ["", "abc", "é", "€", "😀", "a😀b", "\ud800", "\udc00x", "\ud800\ud800"]) {
      expect(utf8Length(text)).toBe(Buffer.byteLength(text, "utf8"));
    }
  });
});

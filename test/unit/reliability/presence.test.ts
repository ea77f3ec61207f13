import { describe, expect, it } from "vitest";
import { type HelloPayload, isHelloPayload, Presence } from "../../../src/reliability/presence";

const hello = (s: string, extra: Partial<HelloPayload> = {}): HelloPayload => ({
  v: "1.0.0",
  p: 1,
  tr: "native",
  s,
  ...extra,
});

describe("Presence.hello", () => {
  it("records a new peer", () => {
    const p = new Presence();
    const out = p.hello("u1", hello("s1"), 1000);
    expect(out.isNew).toBe(true);
    expect(out.sessionChanged).toBe(false);
    expect(out.peer).toEqual({
      userId: "u1",
      session: "s1",
      version: "1.0.0",
      protocol: 1,
      transport: "native",
      lastSeen: 1000,
    });
    expect(p.has("u1")).toBe(true);
    expect(p.get("u1")).toBe(out.peer);
  });

  it("a repeated hello with the same session is known, not a session change, and refreshes lastSeen", () => {
    const p = new Presence();
    p.hello("u1", hello("s1"), 1000);
    const out = p.hello("u1", hello("s1", { v: "1.1.0", tr: "socketlib" }), 2000);
    expect(out).toMatchObject({ isNew: false, sessionChanged: false });
    expect(out.peer).toMatchObject({
      session: "s1",
      version: "1.1.0",
      transport: "socketlib",
      lastSeen: 2000,
    });
  });

  it("a new session (reload) is reported and recorded", () => {
    const p = new Presence();
    const first = p.hello("u1", hello("s1"), 1000);
    const out = p.hello("u1", hello("s2", { p: 2 }), 3000);
    expect(out).toMatchObject({ isNew: false, sessionChanged: true });
    expect(out.peer).toBe(first.peer);
    expect(p.get("u1")).toMatchObject({ session: "s2", protocol: 2, lastSeen: 3000 });
    expect(p.hello("u1", hello("s2"), 4000).sessionChanged).toBe(false);
  });

  it("keeps peers apart and lists them all", () => {
    const p = new Presence();
    p.hello("u1", hello("s1"), 1);
    p.hello("u2", hello("s1"), 2);
    expect(p.hello("u2", hello("s1"), 3).sessionChanged).toBe(false);
    expect(
      p
        .all()
        .map((r) => r.userId)
        .sort(),
    ).toEqual(["u1", "u2"]);
    expect(p.has("u3")).toBe(false);
    expect(p.get("u3")).toBeUndefined();
  });
});

describe("isHelloPayload", () => {
  it.each([
    [{ v: "1.0.0", p: 1, tr: "native", s: "abc" }],
    [{ v: "1.2.3-beta+5", p: 1, tr: "socketlib", s: "x" }],
    [{ v: "1", p: 2, tr: "local", s: "x".repeat(64), reply: 1 }],
    [{ v: "v".repeat(32), p: 1, tr: "native", s: "x" }],
  ])("accepts %j", (value) => {
    expect(isHelloPayload(value)).toBe(true);
  });

  it.each([
    [null],
    [undefined],
    ["hello"],
    [[]],
    [{}],
    [{ p: 1, tr: "native", s: "abc" }],
    [{ v: 1, p: 1, tr: "native", s: "abc" }],
    [{ v: "v".repeat(33), p: 1, tr: "native", s: "abc" }],
    [{ v: "", p: 1, tr: "native", s: "abc" }],
    [{ v: "<img src=x onerror=alert(1)>", p: 2, tr: "native", s: "abc" }],
    [{ v: "1.0 & <b>", p: 1, tr: "native", s: "abc" }],
    [{ v: "1", p: "1", tr: "native", s: "abc" }],
    [{ v: "1", tr: "native", s: "abc" }],
    [{ v: "1", p: 1, tr: "websocket", s: "abc" }],
    [{ v: "1", p: 1, s: "abc" }],
    [{ v: "1", p: 1, tr: "native", s: "" }],
    [{ v: "1", p: 1, tr: "native", s: "x".repeat(65) }],
    [{ v: "1", p: 1, tr: "native", s: 5 }],
    [{ v: "1", p: 1, tr: "native" }],
  ])("rejects %j", (value) => {
    expect(isHelloPayload(value)).toBe(false);
  });
});

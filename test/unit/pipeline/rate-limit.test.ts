import { describe, expect, it } from "vitest";
import { RateLimiter } from "../../../src/pipeline/rate-limit";
import { FakeClock } from "../support";

function setup(rate: number, burst: number) {
  const clock = new FakeClock(50_000);
  const limits = { rateLimit: rate, rateBurst: burst };
  const limiter = new RateLimiter(() => limits, clock);
  const allowedOf = (key: string, n: number) => {
    let allowed = 0;
    for (let i = 0; i < n; i++) if (limiter.allow(key)) allowed++;
    return allowed;
  };
  return { clock, limits, limiter, allowedOf };
}

describe("RateLimiter", () => {
  it("takes a cost from the bucket; a cost above the burst passes only when the bucket is full, leaving a debt", () => {
    const t = setup(100, 300);
    expect(t.limiter.allow("u", t.clock.now(), 250)).toBe(true);
    expect(t.limiter.allow("u", t.clock.now(), 100)).toBe(false);
    expect(t.limiter.allow("u", t.clock.now(), 50)).toBe(true);
    // 1,000 is over the burst: refused until the bucket is full again (3 s at 100 a second), then it goes.
    t.clock.advance(2_900);
    expect(t.limiter.allow("u", t.clock.now(), 1000)).toBe(false);
    t.clock.advance(100);
    expect(t.limiter.allow("u", t.clock.now(), 1000)).toBe(true);
    // 700 in debt: nothing until the bucket has refilled past it.
    t.clock.advance(7_000);
    expect(t.limiter.allow("u", t.clock.now(), 1)).toBe(false);
    t.clock.advance(10);
    expect(t.limiter.allow("u", t.clock.now(), 1)).toBe(true);
  });

  it("allows a burst, then refuses", () => {
    const t = setup(10, 5);
    for (let i = 0; i < 5; i++) expect(t.limiter.allow("u")).toBe(true);
    expect(t.limiter.allow("u")).toBe(false);
    expect(t.limiter.allow("u")).toBe(false);
  });

  it("refills at `rate` tokens per second", () => {
    const t = setup(4, 4);
    expect(t.allowedOf("u", 10)).toBe(4);
    t.clock.advance(250);
    expect(t.allowedOf("u", 10)).toBe(1);
    t.clock.advance(500);
    expect(t.allowedOf("u", 10)).toBe(2);
  });

  it("accumulates fractional tokens", () => {
    const t = setup(2, 1);
    expect(t.limiter.allow("u")).toBe(true);
    t.clock.advance(250);
    expect(t.limiter.allow("u")).toBe(false);
    t.clock.advance(250);
    expect(t.limiter.allow("u")).toBe(true);
    expect(t.limiter.allow("u")).toBe(false);
  });

  it("caps the bucket at burst", () => {
    const t = setup(100, 3);
    expect(t.allowedOf("u", 3)).toBe(3);
    t.clock.advance(60_000);
    expect(t.allowedOf("u", 10)).toBe(3);
  });

  it("keeps keys independent", () => {
    const t = setup(1, 2);
    expect(t.allowedOf("a", 5)).toBe(2);
    expect(t.allowedOf("b", 5)).toBe(2);
    t.clock.advance(1000);
    expect(t.allowedOf("a", 5)).toBe(1);
    expect(t.allowedOf("b", 5)).toBe(1);
  });

  it("does not refill when the clock goes backwards", () => {
    const t = setup(1000, 2);
    expect(t.allowedOf("u", 2)).toBe(2);
    t.clock.set(t.clock.now() - 5000);
    expect(t.limiter.allow("u")).toBe(false);
  });

  it("forget gives the key a fresh bucket", () => {
    const t = setup(1, 2);
    expect(t.allowedOf("u", 5)).toBe(2);
    t.limiter.forget("u");
    expect(t.allowedOf("u", 5)).toBe(2);
  });

  it("reads the limits on every call", () => {
    const t = setup(1, 1);
    expect(t.allowedOf("u", 3)).toBe(1);
    t.limits.rateLimit = 10;
    t.clock.advance(500);
    expect(t.allowedOf("u", 10)).toBe(1);
    t.limits.rateBurst = 100;
    t.clock.advance(1000);
    expect(t.allowedOf("u", 100)).toBe(10);
  });

  it("a sustained sender gets rate per second over a long run", () => {
    const t = setup(50, 10);
    let allowed = 0;
    for (let ms = 0; ms < 10_000; ms += 5) {
      t.clock.advance(5);
      if (t.limiter.allow("u")) allowed++;
      if (t.limiter.allow("u")) allowed++;
    }
    // 10 burst + 50/s * 10 s, give or take rounding at the edges.
    expect(allowed).toBeGreaterThanOrEqual(505);
    expect(allowed).toBeLessThanOrEqual(511);
  });

  it("spend takes work already done whatever the bucket holds; a cost of 0 asks whether it is out of debt", () => {
    const t = setup(100, 50);
    expect(t.limiter.allow("u", undefined, 0)).toBe(true);
    t.limiter.spend("u", 250);
    // 50 − 250: 200 in debt, paid back at 100 a second.
    expect(t.limiter.allow("u", undefined, 0)).toBe(false);
    t.clock.advance(1900);
    expect(t.limiter.allow("u", undefined, 0)).toBe(false);
    t.clock.advance(100);
    expect(t.limiter.allow("u", undefined, 0)).toBe(true);
    expect(t.limiter.allow("u")).toBe(false);
    // Other keys keep their own buckets.
    expect(t.allowedOf("v", 100)).toBe(50);
  });
});

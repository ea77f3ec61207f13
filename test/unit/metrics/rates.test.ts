import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RateWindow } from "../../../src/metrics/rates";

function setup(seconds?: number, start = 0) {
  let now = start;
  const rate = seconds === undefined ? new RateWindow(() => now) : new RateWindow(() => now, seconds);
  return {
    rate,
    at: (ms: number) => {
      now = ms;
    },
  };
}

describe("RateWindow", () => {
  it("defaults to a 10-second window", () => {
    const t = setup();
    expect(t.rate.seconds).toBe(10);
    t.rate.add(30);
    expect(t.rate.perSecond()).toBe(3);
  });

  it("starts at zero", () => {
    expect(setup().rate.perSecond()).toBe(0);
    expect(setup(5, 123_456_789).rate.perSecond()).toBe(0);
  });

  it("averages over the whole window, the current second included", () => {
    const t = setup(10, 100_000);
    t.rate.add(); // second 100
    t.at(101_500);
    t.rate.add(4); // second 101
    t.at(109_999);
    t.rate.add(5); // second 109
    expect(t.rate.perSecond()).toBe(1);
  });

  it("lets a second fall out once it is `seconds` old", () => {
    const t = setup(10, 50_000);
    t.rate.add(10); // second 50
    t.at(59_999); // second 59: 50..59 in the window
    expect(t.rate.perSecond()).toBe(1);
    t.at(60_000); // second 60: 51..60
    expect(t.rate.perSecond()).toBe(0);
  });

  it("resets a reused bucket after wrap-around instead of adding to the old count", () => {
    const t = setup(10, 2000);
    t.rate.add(50); // second 2 → slot 2
    t.at(12_000); // second 12 → slot 2 again
    t.rate.add(1);
    expect(t.rate.perSecond()).toBe(0.1);
    t.at(12_999);
    t.rate.add(2);
    expect(t.rate.perSecond()).toBe(0.3);
  });

  it("a long silence clears every bucket", () => {
    const t = setup(4, 0);
    for (let s = 0; s < 4; s++) {
      t.at(s * 1000);
      t.rate.add(8);
    }
    expect(t.rate.perSecond()).toBe(8);
    t.at(1_000_000);
    expect(t.rate.perSecond()).toBe(0);
  });

  it("property: equals the events of the last `seconds` whole seconds divided by `seconds`", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2500 }), fc.integer({ min: 0, max: 5 })), {
          maxLength: 60,
        }),
        fc.integer({ min: 0, max: 40_000 }),
        (seconds, steps, extra) => {
          const t = setup(seconds, 1_000_000);
          let now = 1_000_000;
          const events: { second: number; count: number }[] = [];
          for (const [gap, count] of steps) {
            now += gap;
            t.at(now);
            t.rate.add(count);
            events.push({ second: Math.floor(now / 1000), count });
          }
          now += extra;
          t.at(now);
          const current = Math.floor(now / 1000);
          const inWindow = events
            .filter((e) => e.second > current - seconds && e.second <= current)
            .reduce((sum, e) => sum + e.count, 0);
          expect(t.rate.perSecond()).toBeCloseTo(inWindow / seconds, 9);
        },
      ),
      { numRuns: 500 },
    );
  });
});

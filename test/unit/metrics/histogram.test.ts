import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Histogram } from "../../../src/metrics/histogram";
import { seededRandom, shuffled } from "../support";

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Nearest-rank percentile computed with integer arithmetic, as a reference. */
function nearestRank(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p * sorted.length) / 100));
  return sorted[rank - 1]!;
}

describe("Histogram percentiles", () => {
  it("1..1000 in a shuffled order gives nearest-rank p50 500, p95 950, p99 990", () => {
    const h = new Histogram();
    for (const v of shuffled(range(1, 1000), seededRandom(42))) h.record(v);
    expect(h.snapshot()).toEqual({
      count: 1000,
      min: 1,
      max: 1000,
      mean: 500.5,
      p50: 500,
      p95: 950,
      p99: 990,
    });
  });

  it("1..100 in a shuffled order gives p50 50, p95 95, p99 99", () => {
    const h = new Histogram();
    for (const v of shuffled(range(1, 100), seededRandom(7))) h.record(v);
    expect(h.snapshot()).toEqual({ count: 100, min: 1, max: 100, mean: 50.5, p50: 50, p95: 95, p99: 99 });
  });

  it("sorts numerically, not as text (10 > 9, negatives below zero)", () => {
    const h = new Histogram();
    for (const v of [10, 9, 100, -5, 2.5]) h.record(v);
    const s = h.snapshot();
    expect(s.p50).toBe(9);
    expect(s.min).toBe(-5);
    expect(s.max).toBe(100);
  });

  it("a single sample is every percentile", () => {
    const h = new Histogram();
    h.record(42);
    expect(h.snapshot()).toEqual({ count: 1, min: 42, max: 42, mean: 42, p50: 42, p95: 42, p99: 42 });
  });

  it("property: percentiles equal the nearest-rank reference while within capacity", () => {
    fc.assert(
      fc.property(
        // -0 and 0 are one latency; the sort orders of Float64Array and Array differ on them, so use 0.
        fc.array(
          fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }).map((v) => v + 0),
          {
            minLength: 1,
            maxLength: 300,
          },
        ),
        (values) => {
          const h = new Histogram(512);
          for (const v of values) h.record(v);
          const s = h.snapshot();
          expect(s.p50).toBe(nearestRank(values, 50));
          expect(s.p95).toBe(nearestRank(values, 95));
          expect(s.p99).toBe(nearestRank(values, 99));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("property: min <= p50 <= p95 <= p99 <= max, also when the ring has wrapped", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 64 }),
        fc.array(
          fc.double({ min: -1e9, max: 1e9, noNaN: true, noDefaultInfinity: true }).map((v) => v + 0),
          {
            minLength: 1,
            maxLength: 200,
          },
        ),
        (capacity, values) => {
          const h = new Histogram(capacity);
          for (const v of values) h.record(v);
          const s = h.snapshot();
          expect(s.min).toBeLessThanOrEqual(s.p50);
          expect(s.p50).toBeLessThanOrEqual(s.p95);
          expect(s.p95).toBeLessThanOrEqual(s.p99);
          expect(s.p99).toBeLessThanOrEqual(s.max);
          expect(s.count).toBe(values.length);
          expect(s.min).toBe(Math.min(...values));
          expect(s.max).toBe(Math.max(...values));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("Histogram bounded memory", () => {
  it("after 10,000 samples only the last `capacity` count toward percentiles; count/min/max/mean cover all", () => {
    const h = new Histogram(100);
    for (let v = 1; v <= 10_000; v++) h.record(v);
    const s = h.snapshot();
    expect(s.count).toBe(10_000);
    expect(s.min).toBe(1);
    expect(s.max).toBe(10_000);
    expect(s.mean).toBe(5000.5);
    // the window is 9901..10000
    expect(s.p50).toBe(9950);
    expect(s.p95).toBe(9995);
    expect(s.p99).toBe(9999);
    expect(h.recent(1_000_000)).toHaveLength(100);
  });

  it("old outliers leave the percentile window but stay in max", () => {
    const h = new Histogram(10);
    h.record(1_000_000);
    for (let i = 0; i < 10; i++) h.record(5);
    const s = h.snapshot();
    expect(s.p99).toBe(5);
    expect(s.max).toBe(1_000_000);
  });

  it("defaults to a capacity of 2048", () => {
    const h = new Histogram();
    expect(h.capacity).toBe(2048);
    for (let v = 1; v <= 3000; v++) h.record(v);
    expect(h.recent(5000)).toEqual(range(953, 3000));
  });
});

describe("Histogram recent()", () => {
  it("returns the latest n, oldest first", () => {
    const h = new Histogram(8);
    for (const v of [1, 2, 3, 4, 5]) h.record(v);
    expect(h.recent(3)).toEqual([3, 4, 5]);
    expect(h.recent(5)).toEqual([1, 2, 3, 4, 5]);
    expect(h.recent(50)).toEqual([1, 2, 3, 4, 5]);
    expect(h.recent(0)).toEqual([]);
  });

  it("stays in order across the ring's wrap-around", () => {
    const h = new Histogram(4);
    for (const v of [1, 2, 3, 4, 5, 6, 7]) h.record(v);
    expect(h.recent(4)).toEqual([4, 5, 6, 7]);
    expect(h.recent(2)).toEqual([6, 7]);
  });

  it("property: recent(n) is the tail of the finite samples recorded, bounded by capacity", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 32 }),
        fc.array(fc.integer({ min: -1000, max: 1000 }), { maxLength: 100 }),
        fc.integer({ min: 0, max: 120 }),
        (capacity, values, n) => {
          const h = new Histogram(capacity);
          for (const v of values) h.record(v);
          const keep = Math.min(n, capacity, values.length);
          expect(h.recent(n)).toEqual(values.slice(values.length - keep));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("Histogram edge cases", () => {
  it("ignores NaN and infinities", () => {
    const h = new Histogram();
    h.record(10);
    h.record(Number.NaN);
    h.record(Number.POSITIVE_INFINITY);
    h.record(Number.NEGATIVE_INFINITY);
    h.record(20);
    expect(h.count).toBe(2);
    expect(h.recent(10)).toEqual([10, 20]);
    expect(h.snapshot()).toEqual({ count: 2, min: 10, max: 20, mean: 15, p50: 10, p95: 20, p99: 20 });
  });

  it("an empty histogram snapshots as zeros", () => {
    const h = new Histogram();
    h.record(Number.NaN);
    expect(h.snapshot()).toEqual({ count: 0, min: 0, max: 0, mean: 0, p50: 0, p95: 0, p99: 0 });
    expect(h.recent(5)).toEqual([]);
  });

  it("reset forgets everything, and later samples are measured alone", () => {
    const h = new Histogram(4);
    for (const v of [100, 200, 300, 400, 500]) h.record(v);
    h.reset();
    expect(h.count).toBe(0);
    expect(h.snapshot()).toEqual({ count: 0, min: 0, max: 0, mean: 0, p50: 0, p95: 0, p99: 0 });
    expect(h.recent(10)).toEqual([]);
    h.record(7);
    h.record(3);
    expect(h.recent(10)).toEqual([7, 3]);
    expect(h.snapshot()).toEqual({ count: 2, min: 3, max: 7, mean: 5, p50: 3, p95: 7, p99: 7 });
  });
});

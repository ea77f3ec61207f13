import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { backoffDelay } from "../../../src/reliability/backoff";

const zero = () => 0;

describe("backoffDelay without jitter (random fixed at 0)", () => {
  it("doubles from initial and stops at max", () => {
    const delays = Array.from({ length: 8 }, (_, attempt) =>
      backoffDelay(attempt, { initial: 1000, max: 30_000 }, zero),
    );
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
  });

  it("is exactly min(max, initial * 2^attempt) for attempts 0..60", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        (attempt, initial, extra) => {
          const max = initial + extra;
          const expected = Math.min(max, initial * 2 ** attempt);
          expect(backoffDelay(attempt, { initial, max }, zero)).toBe(expected);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("treats a negative attempt as the first one", () => {
    expect(backoffDelay(-3, { initial: 250, max: 10_000 }, zero)).toBe(250);
  });

  it("never overflows to Infinity for huge attempt numbers", () => {
    expect(backoffDelay(10_000, { initial: 1000, max: 30_000 }, zero)).toBe(30_000);
  });
});

describe("backoffDelay with jitter", () => {
  it("reduces the capped delay by jitter * random, rounded", () => {
    expect(backoffDelay(0, { initial: 1000, max: 30_000, jitter: 0.5 }, () => 0.5)).toBe(750);
    expect(backoffDelay(3, { initial: 1000, max: 30_000, jitter: 1 }, () => 0.25)).toBe(6000);
    expect(backoffDelay(9, { initial: 1000, max: 30_000, jitter: 0.2 }, () => 0.5)).toBe(27_000);
    expect(backoffDelay(0, { initial: 3, max: 3, jitter: 0.5 }, () => 0.3)).toBe(3); // round(2.55) = 3
    expect(backoffDelay(0, { initial: 3, max: 3, jitter: 0.5 }, () => 0.4)).toBe(2); // round(2.4) = 2
  });

  it("equals round(capped * (1 - j * r)) for arbitrary inputs", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, initial, extra, j, r) => {
          const max = initial + extra;
          const capped = Math.min(max, initial * 2 ** attempt);
          expect(backoffDelay(attempt, { initial, max, jitter: j }, () => r)).toBe(
            Math.round(capped * (1 - j * r)),
          );
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("stays within [capped * (1 - j), capped] (up to rounding), never above max, never negative", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, initial, extra, j, r) => {
          const max = initial + extra;
          const capped = Math.min(max, initial * 2 ** attempt);
          const delay = backoffDelay(attempt, { initial, max, jitter: j }, () => r);
          expect(Number.isInteger(delay)).toBe(true);
          expect(delay).toBeLessThanOrEqual(capped);
          expect(delay).toBeLessThanOrEqual(max);
          expect(delay).toBeGreaterThanOrEqual(0);
          // Rounding to the nearest integer may land at most half a millisecond under the bound.
          expect(delay).toBeGreaterThanOrEqual(capped * (1 - j) - 0.5);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("is non-decreasing in attempt when random is fixed", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (initial, extra, j, r) => {
          const opts = { initial, max: initial + extra, jitter: j };
          let previous = -1;
          for (let attempt = 0; attempt <= 60; attempt++) {
            const delay = backoffDelay(attempt, opts, () => r);
            expect(delay).toBeGreaterThanOrEqual(previous);
            previous = delay;
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("defaults jitter to 0.5", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, initial, r) => {
          const opts = { initial, max: initial * 100 };
          expect(backoffDelay(attempt, opts, () => r)).toBe(
            backoffDelay(attempt, { ...opts, jitter: 0.5 }, () => r),
          );
        },
      ),
    );
    expect(backoffDelay(0, { initial: 1000, max: 1000 }, () => 0.99)).toBe(505);
  });

  it("clamps jitter to [0, 1]", () => {
    const opts = { initial: 1000, max: 30_000 };
    for (const r of [0, 0.3, 0.999]) {
      expect(backoffDelay(2, { ...opts, jitter: 7 }, () => r)).toBe(
        backoffDelay(2, { ...opts, jitter: 1 }, () => r),
      );
      expect(backoffDelay(2, { ...opts, jitter: -2 }, () => r)).toBe(4000);
    }
    expect(backoffDelay(2, { ...opts, jitter: 7 }, () => 0.999)).toBe(4);
  });

  it("uses Math.random when no source is given, staying in range", () => {
    for (let i = 0; i < 200; i++) {
      const delay = backoffDelay(4, { initial: 1000, max: 30_000 });
      expect(delay).toBeGreaterThanOrEqual(8000);
      expect(delay).toBeLessThanOrEqual(16_000);
    }
  });
});

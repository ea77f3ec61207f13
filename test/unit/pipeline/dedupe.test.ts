import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { Dedupe } from "../../../src/pipeline/dedupe";

describe("Dedupe", () => {
  it("first sight is new, a repeat is a duplicate", () => {
    const d = new Dedupe();
    expect(d.isDuplicate("u", "s", 1)).toBe(false);
    expect(d.isDuplicate("u", "s", 1)).toBe(true);
    expect(d.isDuplicate("u", "s", 1)).toBe(true);
    expect(d.isDuplicate("u", "s", 2)).toBe(false);
  });

  it("accepts out-of-order arrivals within the window once each", () => {
    const d = new Dedupe(100);
    for (const q of [5, 3, 4, 1, 2]) expect(d.isDuplicate("u", "s", q)).toBe(false);
    for (const q of [1, 2, 3, 4, 5]) expect(d.isDuplicate("u", "s", q)).toBe(true);
  });

  it("keeps sessions independent", () => {
    const d = new Dedupe();
    expect(d.isDuplicate("u", "a", 1)).toBe(false);
    expect(d.isDuplicate("u", "b", 1)).toBe(false);
    expect(d.isDuplicate("u", "a", 1)).toBe(true);
    expect(d.isDuplicate("u", "b", 1)).toBe(true);
    expect(d.isDuplicate("u", "c", 1)).toBe(false);
  });

  it("counts a sequence number at or below max - window as a duplicate, even unseen", () => {
    const d = new Dedupe(10);
    expect(d.isDuplicate("u", "s", 100)).toBe(false);
    expect(d.isDuplicate("u", "s", 90)).toBe(true);
    expect(d.isDuplicate("u", "s", 50)).toBe(true);
    expect(d.isDuplicate("u", "s", 91)).toBe(false);
    expect(d.isDuplicate("u", "s", 91)).toBe(true);
  });

  it("does not let a too-old number move the window", () => {
    const d = new Dedupe(10);
    d.isDuplicate("u", "s", 100);
    d.isDuplicate("u", "s", 1);
    expect(d.isDuplicate("u", "s", 95)).toBe(false);
  });

  it("a user's invented sessions only push out that user's own, never another user's", () => {
    const d = new Dedupe(100, 4);
    expect(d.isDuplicate("gm", "real", 7)).toBe(false);
    for (let i = 0; i < 1100; i++) d.isDuplicate("mallory", `invented${i}`, 1);
    expect(d.isDuplicate("gm", "real", 7)).toBe(true);
    expect(d.sessionCount).toBe(5);
  });

  it("evicts the least recently used session of a user when over its limit", () => {
    const d = new Dedupe(100, 2);
    d.isDuplicate("u", "a", 1);
    d.isDuplicate("u", "b", 1);
    d.isDuplicate("u", "a", 2); // a is now the most recently used
    d.isDuplicate("u", "c", 1); // evicts b
    expect(d.sessionCount).toBe(2);
    expect(d.isDuplicate("u", "a", 1)).toBe(true); // a kept its memory
    expect(d.isDuplicate("u", "c", 1)).toBe(true);
    expect(d.isDuplicate("u", "b", 1)).toBe(false); // b was forgotten
  });

  it("never holds more than its limit of sessions per user", () => {
    const d = new Dedupe(16, 5);
    for (let i = 0; i < 1000; i++) d.isDuplicate("u", `s${i}`, 1);
    expect(d.sessionCount).toBe(5);
    for (let i = 995; i < 1000; i++) expect(d.isDuplicate("u", `s${i}`, 1)).toBe(true);
  });

  it("stays bounded after 100k increasing sequence numbers", () => {
    const window = 64;
    const d = new Dedupe(window);
    let maxSeen = 0;
    let wronglyDuplicate = 0;
    for (let q = 1; q <= 100_000; q++) {
      if (d.isDuplicate("u", "s", q)) wronglyDuplicate++;
      const size = d.stream("u", "s").slots;
      if (size > maxSeen) maxSeen = size;
    }
    expect(wronglyDuplicate).toBe(0);
    // Memory is the fixed ring of `window` slots, whatever the traffic.
    expect(maxSeen).toBe(window);
    // Still exact inside the window, still refusing replays below it.
    expect(d.isDuplicate("u", "s", 100_000)).toBe(true);
    expect(d.isDuplicate("u", "s", 100_000 - window + 1)).toBe(true);
    expect(d.isDuplicate("u", "s", 5)).toBe(true);
    expect(d.isDuplicate("u", "s", 100_001)).toBe(false);
  });

  it("clears a gap a peer chose with at most two native fills, not a step per slot", () => {
    const d = new Dedupe(8192);
    expect(d.isDuplicate("u", "s", 8000)).toBe(false);
    const fill = vi.spyOn(Uint8Array.prototype, "fill");
    try {
      // 8,000 + 8,191 wraps round the ring: the gap is cleared in two ranges.
      expect(d.isDuplicate("u", "s", 16_191)).toBe(false);
      expect(fill).toHaveBeenCalledTimes(2);
      expect(d.isDuplicate("u", "s", 16_190)).toBe(false);
      expect(d.isDuplicate("u", "s", 8001)).toBe(false);
    } finally {
      fill.mockRestore();
    }
  });

  it("property: matches an exact set model for numbers inside the window", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 60 }), { maxLength: 300 }), (seqs) => {
        const window = 16;
        const d = new Dedupe(window);
        const seen = new Set<number>();
        let max = 0;
        for (const q of seqs) {
          const expected = seen.has(q) || q <= max - window;
          expect(d.isDuplicate("u", "s", q)).toBe(expected);
          if (!expected) {
            seen.add(q);
            max = Math.max(max, q);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

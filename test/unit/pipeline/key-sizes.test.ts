/** The remembered sizes of repeated texts: object keys and envelope names, exact and bounded. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { measureIncoming } from "../../../src/pipeline/incoming";
import {
  CACHED_TEXT_LENGTH,
  keyBytes,
  keyBytesAt,
  longestCachedText,
  nameBytes,
} from "../../../src/pipeline/key-sizes";

describe("keyBytesAt", () => {
  const exact = (key: string) => Buffer.byteLength(JSON.stringify(key)) + 1;

  it("sizes every key as JSON writes it (quoted, escaped, with its colon), whatever stood at its place before", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.string({ unit: "binary", maxLength: 12 }),
            fc.integer({ min: 0, max: 40 }),
            fc.integer({ min: 0, max: 40 }),
          ),
          { maxLength: 200 },
        ),
        (lookups) => {
          for (const [key, depth, index] of lookups) expect(keyBytesAt(key, depth, index)).toBe(exact(key));
        },
      ),
    );
  });

  it("a different key at the same place is measured anew, not answered from the slot", () => {
    expect(keyBytesAt("x", 0, 0)).toBe(4);
    expect(keyBytesAt('say "hi"', 0, 0)).toBe(exact('say "hi"'));
    expect(keyBytesAt("x", 0, 0)).toBe(4);
    // Places past 16 and depths past 15 share slots with others: still exact.
    expect(keyBytesAt("é", 3, 17)).toBe(exact("é"));
    expect(keyBytesAt("ab", 19, 1)).toBe(5);
  });
});

describe("nameBytes", () => {
  it("sizes each channel and event name as JSON writes it, whatever came before in its slot", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.string({ unit: "binary", minLength: 1, maxLength: 10 }), fc.constantFrom(0, 1)),
          {
            maxLength: 100,
          },
        ),
        (lookups) => {
          for (const [name, slot] of lookups)
            expect(nameBytes(name, slot as 0 | 1)).toBe(Buffer.byteLength(JSON.stringify(name)));
        },
      ),
    );
    expect(nameBytes("ab", 0)).toBe(4);
    expect(nameBytes('a"', 0)).toBe(5);
    expect(nameBytes("ab", 1)).toBe(4);
    expect(nameBytes("ab", 0)).toBe(4);
  });
});

describe("size caches", () => {
  it("keep no key or name longer than CACHED_TEXT_LENGTH, however many long ones a peer sends (and still size them exactly)", () => {
    for (let i = 0; i < 600; i++) {
      const long = `${"k".repeat(CACHED_TEXT_LENGTH)}${i}`;
      expect(keyBytes(long)).toBe(long.length + 3);
      expect(keyBytesAt(long, i % 20, i % 20)).toBe(long.length + 3);
      expect(nameBytes(long, (i % 2) as 0 | 1)).toBe(long.length + 2);
      expect(measureIncoming([1, 0, long, long, 1, 0, { [long]: long }], Number.POSITIVE_INFINITY)).toBe(
        Buffer.byteLength(JSON.stringify([1, 0, long, long, 1, 0, { [long]: long }])),
      );
    }
    expect(longestCachedText()).toBeLessThanOrEqual(CACHED_TEXT_LENGTH);
    // Short keys are still kept.
    keyBytesAt("short", 0, 0);
    expect(longestCachedText()).toBeGreaterThan(0);
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type ChunkPayload,
  isChunkPayload,
  MAX_SETS_PER_USER,
  PIECE_COST,
  Reassembler,
  type ReassemblerLimits,
  type ReassemblyResult,
  SET_COST,
  splitText,
} from "../../../src/pipeline/chunker";
import { utf8Length } from "../../../src/pipeline/codec";
import { wireBytes } from "../../../src/pipeline/sizes";
import { FakeClock, seededRandom, shuffled } from "../support";

const isHigh = (code: number) => code >= 0xd800 && code <= 0xdbff;
const isLow = (code: number) => code >= 0xdc00 && code <= 0xdfff;

/** Well-formed strings rich in multi-byte and astral characters. */
const unicodeText = fc.string({
  unit: fc.oneof(
    fc.constantFrom("a", '"', "\\", "é", "漢", "😀", "\u{10ffff}", "\u0800", "\u07ff"),
    fc
      .integer({ min: 0, max: 0x10ffff })
      .filter((cp) => cp < 0xd800 || cp > 0xdfff)
      .map((cp) => String.fromCodePoint(cp)),
  ),
  maxLength: 300,
});

describe("splitText", () => {
  it("leaves a text that fits as one piece and an empty text as none", () => {
    expect(splitText("hello", 5)).toEqual(["hello"]);
    expect(splitText("", 5)).toEqual([]);
  });

  it("cuts ASCII into maxBytes-long pieces", () => {
    expect(splitText("abcdefghij", 4)).toEqual(["abcd", "efgh", "ij"]);
  });

  it("counts UTF-8 bytes, not UTF-16 units", () => {
    const pieces = splitText("漢漢漢漢", 7);
    expect(pieces.join("")).toBe("漢漢漢漢");
    for (const p of pieces) expect(Buffer.byteLength(p, "utf8")).toBeLessThanOrEqual(7);
  });

  it("does not cut between the halves of a surrogate pair", () => {
    const pieces = splitText("a😀b😀", 4);
    expect(pieces.join("")).toBe("a😀b😀");
    for (const p of pieces) {
      expect(isLow(p.charCodeAt(0))).toBe(false);
      expect(isHigh(p.charCodeAt(p.length - 1))).toBe(false);
    }
  });

  it("property: pieces rejoin to the original, each within maxBytes, no pair split", () => {
    fc.assert(
      fc.property(unicodeText, fc.integer({ min: 4, max: 64 }), (text, maxBytes) => {
        const pieces = splitText(text, maxBytes);
        expect(pieces.join("")).toBe(text);
        for (const piece of pieces) {
          expect(piece.length).toBeGreaterThan(0);
          expect(Buffer.byteLength(piece, "utf8")).toBeLessThanOrEqual(maxBytes);
          expect(isLow(piece.charCodeAt(0))).toBe(false);
          expect(isHigh(piece.charCodeAt(piece.length - 1))).toBe(false);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("hands back each piece's measure, and measures a large, sparsely escaped text once per piece", () => {
    const text = `{"blob":"${"y".repeat(10_000)}","n":"${"z".repeat(5_000)}"}`;
    const measured: string[] = [];
    const measure = (piece: string) => {
      measured.push(piece);
      return wireBytes(piece);
    };
    const sizes: number[] = [];
    const pieces = splitText(text, 4_000, measure, sizes);
    expect(pieces.join("")).toBe(text);
    expect(sizes).toEqual(pieces.map((p) => wireBytes(p)));
    for (const size of sizes) expect(size).toBeLessThanOrEqual(4_000);
    expect(measured).toHaveLength(pieces.length);
  });

  it("property: large budgets also hold (fewest pieces are not required, only the bound)", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme", minLength: 200, maxLength: 2000 }),
        fc.integer({ min: 64, max: 3000 }),
        (text, maxBytes) => {
          const pieces = splitText(text, maxBytes);
          expect(pieces.join("")).toBe(text);
          for (const piece of pieces) expect(utf8Length(piece)).toBeLessThanOrEqual(maxBytes);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("isChunkPayload", () => {
  it.each([[[1, 0, 2, "ab"]], [[9_007_199_254_740_991, 99_999, 100_000, ""]], [[5, 1, 2, "x"]]])(
    "accepts %j",
    (value) => {
      expect(isChunkPayload(value)).toBe(true);
    },
  );

  it.each([
    [null],
    ["chunk"],
    [{ 0: 1, 1: 0, 2: 2, 3: "a", length: 4 }],
    [[1, 0, 2]],
    [[1, 0, 2, "a", 5]],
    [[0, 0, 2, "a"]],
    [[-1, 0, 2, "a"]],
    [[1.5, 0, 2, "a"]],
    [[2 ** 53, 0, 2, "a"]],
    [["1", 0, 2, "a"]],
    [[1, -1, 2, "a"]],
    [[1, 2, 2, "a"]],
    [[1, 0.5, 2, "a"]],
    [[1, 0, 1, "a"]],
    [[1, 0, 100_001, "a"]],
    [[1, 0, 2.5, "a"]],
    [[1, 0, Number.NaN, "a"]],
    [[1, 0, 2, 7]],
    [[1, 0, 2, null]],
  ])("rejects %j", (value) => {
    expect(isChunkPayload(value)).toBe(false);
  });
});

function reassembler(overrides: Partial<ReassemblerLimits> = {}) {
  const limits: ReassemblerLimits = {
    maxMessageBytes: 1_000_000,
    maxTotalBytes: 10_000_000,
    maxAgeMs: 30_000,
    ...overrides,
  };
  const clock = new FakeClock(1_000_000);
  const expired: number[] = [];
  const r = new Reassembler(
    () => limits,
    clock,
    (n) => expired.push(n),
  );
  return { r, clock, expired, limits };
}

function chunks(text: string, parent: number, pieceBytes: number): ChunkPayload[] {
  const pieces = splitText(text, pieceBytes);
  return pieces.map((piece, i) => [parent, i, pieces.length, piece]);
}

/** What a set with these pieces is charged. */
const charge = (...pieces: string[]) =>
  SET_COST + pieces.reduce((n, p) => n + Math.max(p.length, PIECE_COST), 0);

describe("Reassembler", () => {
  it("completes in order", () => {
    const t = reassembler();
    const parts = chunks("hello world, chunked", 1, 5);
    const results = parts.map((c) => t.r.add("u1", "s1", c));
    expect(results.slice(0, -1).every((r) => r.status === "pending")).toBe(true);
    expect(results.at(-1)).toEqual({ status: "complete", text: "hello world, chunked" });
    expect(t.r.pendingSets).toBe(0);
    expect(t.r.pendingBytes).toBe(0);
  });

  it("completes in reverse order", () => {
    const t = reassembler();
    const parts = chunks("abcdefghijkl", 3, 3).reverse();
    const results = parts.map((c) => t.r.add("u1", "s1", c));
    expect(results.at(-1)).toEqual({ status: "complete", text: "abcdefghijkl" });
  });

  it("property: any order with duplicates yields exactly one complete with the original text", () => {
    fc.assert(
      fc.property(
        unicodeText.filter((s) => s.length >= 2),
        fc.integer({ min: 4, max: 16 }),
        fc.integer({ min: 1, max: 2 ** 31 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (text, pieceBytes, seed, dupPicks) => {
          const parts = chunks(text, 7, pieceBytes);
          fc.pre(parts.length >= 2);
          const random = seededRandom(seed);
          const order = shuffled(parts, random);
          // Duplicates of pieces that already arrived, inserted anywhere before the set completes.
          const completing = order.pop()!;
          for (const pick of dupPicks) {
            const at = 1 + Math.floor(random() * order.length);
            order.splice(at, 0, order[pick % at]!);
          }
          order.push(completing);
          const t = reassembler();
          const results = order.map((c) => t.r.add("u1", "s1", c));
          const complete = results.filter(
            (r): r is Extract<ReassemblyResult, { status: "complete" }> => r.status === "complete",
          );
          expect(complete).toHaveLength(1);
          expect(complete[0]!.text).toBe(text);
          expect(results.filter((r) => r.status === "duplicate")).toHaveLength(dupPicks.length);
          expect(results.filter((r) => r.status === "pending")).toHaveLength(parts.length - 1);
          expect(t.r.pendingBytes).toBe(0);
          expect(t.r.pendingSets).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("keeps sets from different users, sessions and parents apart", () => {
    const t = reassembler();
    expect(t.r.add("u1", "s1", [1, 0, 2, "ab"]).status).toBe("pending");
    expect(t.r.add("u2", "s1", [1, 1, 2, "XY"]).status).toBe("pending");
    expect(t.r.add("u1", "s2", [1, 1, 2, "??"]).status).toBe("pending");
    expect(t.r.add("u1", "s1", [2, 1, 2, "zz"]).status).toBe("pending");
    expect(t.r.add("u1", "s1", [1, 1, 2, "cd"])).toEqual({ status: "complete", text: "abcd" });
    expect(t.r.add("u2", "s1", [1, 0, 2, "VW"])).toEqual({ status: "complete", text: "VWXY" });
    expect(t.r.pendingSets).toBe(2);
    expect(t.r.pendingBytes).toBe(2 * charge("zz"));
  });

  it("reports a duplicate piece without charging it again", () => {
    const t = reassembler();
    t.r.add("u", "s", [1, 0, 3, "aa"]);
    expect(t.r.add("u", "s", [1, 0, 3, "aa"])).toEqual({ status: "duplicate" });
    expect(t.r.add("u", "s", [1, 0, 3, "zz"])).toEqual({ status: "duplicate" });
    expect(t.r.pendingBytes).toBe(charge("aa"));
  });

  it("a piece whose total disagrees with its set is invalid and discards the set", () => {
    const t = reassembler();
    t.r.add("u", "s", [1, 0, 3, "aa"]);
    expect(t.r.add("u", "s", [1, 1, 4, "bb"])).toEqual({ status: "invalid" });
    expect(t.r.pendingBytes).toBe(0);
    expect(t.r.pendingSets).toBe(0);
  });

  it("refuses a message over the per-message budget and releases its memory", () => {
    const big = "x".repeat(400);
    const t = reassembler({ maxMessageBytes: 1000 });
    expect(t.r.add("u", "s", [1, 0, 3, big]).status).toBe("pending");
    expect(t.r.add("u", "s", [1, 1, 3, big]).status).toBe("pending");
    expect(t.r.pendingBytes).toBe(charge(big, big));
    expect(t.r.add("u", "s", [1, 2, 3, big])).toEqual({ status: "over-budget" });
    expect(t.r.pendingBytes).toBe(0);
    expect(t.r.pendingSets).toBe(0);
    // the user's budget is free again
    expect(t.r.add("u", "s", [2, 0, 2, big]).status).toBe("pending");
    expect(t.r.add("u", "s", [2, 1, 2, big])).toEqual({ status: "complete", text: big + big });
  });

  it("bounds one user's sets together, whatever sessions it invents, without touching other users", () => {
    const piece = "y".repeat(3000);
    const t = reassembler({ maxMessageBytes: 3000 });
    expect(t.r.add("u1", "s1", [1, 0, 2, piece]).status).toBe("pending");
    expect(t.r.add("u1", "s2", [1, 0, 2, piece]).status).toBe("pending");
    expect(t.r.add("u1", "s3", [1, 0, 2, piece])).toEqual({ status: "over-budget" });
    expect(t.r.add("u2", "s1", [1, 0, 2, piece]).status).toBe("pending");
    for (let i = 0; i < MAX_SETS_PER_USER * 2; i++) t.r.add("u3", `invented${i}`, [1, 0, 2, ""]);
    expect(t.r.pendingSets).toBe(3 + MAX_SETS_PER_USER);
    expect(t.r.add("u2", "s1", [1, 1, 2, "!"])).toEqual({ status: "complete", text: `${piece}!` });
  });

  it("an empty piece costs like a small one, and a declared total that could not arrive is refused", () => {
    const t = reassembler({ maxMessageBytes: 10_000 });
    for (let i = 0; i < 10; i++) t.r.add("u", "s", [1, i, 99_999, ""]);
    expect(t.r.add("u", "s", [2, 0, 99_999, ""])).toEqual({ status: "over-budget" });
    expect(t.r.pendingSets).toBe(0);
    expect(t.r.add("u", "s", [3, 0, 100, ""]).status).toBe("pending");
    expect(t.r.pendingBytes).toBe(charge(""));
  });

  it("bounds all users together", () => {
    const piece = "z".repeat(600);
    const t = reassembler({ maxMessageBytes: 10_000, maxTotalBytes: charge(piece) + charge(piece) });
    t.r.add("u1", "s", [1, 0, 2, piece]);
    t.r.add("u2", "s", [1, 0, 2, piece]);
    expect(t.r.add("u3", "s", [1, 0, 2, piece])).toEqual({ status: "over-budget" });
    expect(t.r.pendingSets).toBe(2);
  });

  it("charges everyone's total what pieces hold in memory: text beyond Latin-1 takes two bytes a character", () => {
    const wide = "中".repeat(600);
    const narrow = "é".repeat(600);
    // Room for four narrow pieces in all: two wide ones fill it, whoever sends them.
    const t = reassembler({ maxMessageBytes: 10_000, maxTotalBytes: 4 * charge(narrow) });
    expect(t.r.add("u1", "s", [1, 0, 2, wide]).status).toBe("pending");
    expect(t.r.add("u2", "s", [1, 0, 2, wide]).status).toBe("pending");
    expect(t.r.add("u3", "s", [1, 0, 2, narrow])).toEqual({ status: "over-budget" });
    expect(t.r.pendingBytes).toBe(2 * (SET_COST + 2 * wide.length));
    // A user's own budget counts characters, so one message near the limit still fits whatever its text.
    const one = reassembler({ maxMessageBytes: 1200, maxTotalBytes: 10_000 });
    expect(one.r.add("u", "s", [1, 0, 2, wide]).status).toBe("pending");
    expect(one.r.add("u", "s", [1, 1, 2, wide])).toMatchObject({ status: "complete" });
    expect(one.r.pendingBytes).toBe(0);
  });

  it("drops incomplete sets older than maxAgeMs on the next add, reporting how many", () => {
    const t = reassembler({ maxAgeMs: 1000 });
    t.r.add("u1", "s", [1, 0, 2, "aa"]);
    t.r.add("u2", "s", [1, 0, 3, "bb"]);
    t.clock.advance(500);
    t.r.add("u3", "s", [1, 0, 2, "cc"]);
    t.clock.advance(500); // the first two are exactly maxAgeMs old: kept
    t.r.add("u3", "s", [2, 0, 2, "dd"]);
    expect(t.expired).toEqual([]);
    expect(t.r.pendingSets).toBe(4);
    t.clock.advance(1);
    expect(t.r.add("u4", "s", [1, 0, 2, "ee"]).status).toBe("pending");
    expect(t.expired).toEqual([2]);
    expect(t.r.pendingSets).toBe(3);
    expect(t.r.pendingBytes).toBe(3 * charge("cc"));
    // an expired set starts over: its old pieces are gone
    expect(t.r.add("u1", "s", [1, 1, 2, "zz"]).status).toBe("pending");
  });

  it("sweep() drops expired sets without an add", () => {
    const t = reassembler({ maxAgeMs: 1000 });
    t.r.add("u1", "s", [1, 0, 2, "aa"]);
    t.clock.advance(1001);
    t.r.sweep();
    expect(t.expired).toEqual([1]);
    expect(t.r.pendingBytes).toBe(0);
    expect(t.r.pendingSets).toBe(0);
    t.r.sweep();
    expect(t.expired).toEqual([1]);
  });

  it("the age counts from the first piece, not the latest", () => {
    const t = reassembler({ maxAgeMs: 1000 });
    t.r.add("u1", "s", [1, 0, 3, "aa"]);
    t.clock.advance(900);
    t.r.add("u1", "s", [1, 1, 3, "bb"]);
    t.clock.advance(200);
    expect(t.r.add("u1", "s", [1, 2, 3, "cc"]).status).toBe("pending");
    expect(t.expired).toEqual([1]);
  });

  it("clear() forgets everything", () => {
    const t = reassembler();
    t.r.add("u1", "s", [1, 0, 2, "aa"]);
    t.r.add("u2", "s", [1, 0, 2, "bb"]);
    t.r.clear();
    expect(t.r.pendingBytes).toBe(0);
    expect(t.r.pendingSets).toBe(0);
    expect(t.r.add("u1", "s", [1, 1, 2, "cc"]).status).toBe("pending");
  });

  it("property: random pieces from several invented sessions of one user stay within the documented bounds", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            session: fc.constantFrom("a", "b", "c", "d", "e", "f"),
            parent: fc.integer({ min: 1, max: 40 }),
            index: fc.nat({ max: 50 }),
            total: fc.integer({ min: 2, max: 100_000 }),
            piece: fc.string({ maxLength: 300 }),
          }),
          { maxLength: 300 },
        ),
        (pieces) => {
          const limits = { maxMessageBytes: 4000, maxTotalBytes: 20_000, maxAgeMs: 1000 };
          const t = reassembler(limits);
          for (const p of pieces) {
            if (p.index >= p.total) continue;
            t.r.add("hostile", p.session, [p.parent, p.index, p.total, p.piece]);
            expect(t.r.pendingSets).toBeLessThanOrEqual(MAX_SETS_PER_USER);
            expect(t.r.pendingBytes).toBeLessThanOrEqual(
              limits.maxMessageBytes + MAX_SETS_PER_USER * SET_COST + PIECE_COST,
            );
          }
          t.clock.advance(1001);
          t.r.sweep();
          expect(t.r.pendingBytes).toBe(0);
          expect(t.r.pendingSets).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });
});

/**
 * Regression tests for four bugs fixed in ac24ef1. Each fails on the code before that commit.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG, mergeConfig } from "../../src/config";
import { ValidationError } from "../../src/contract/errors";
import { Batcher, type BatchItem, type Priority } from "../../src/pipeline/batcher";
import { utf8Length } from "../../src/pipeline/codec";
import { DeferQueue, FakeClock, thrownBy } from "./support";

describe("(a) mergeConfig describes values JSON cannot", () => {
  it("a BigInt value throws ValidationError naming batchSize, not a TypeError", () => {
    const error = thrownBy(() => mergeConfig(DEFAULT_CONFIG, { batchSize: 10n }));
    expect(error).toBeInstanceOf(ValidationError);
    const e = error as ValidationError;
    expect(e.message).toContain("batchSize");
    expect(e.issues.map((i) => i.path)).toEqual([["batchSize"]]);
  });

  it("a self-referencing object throws ValidationError naming batchSize", () => {
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    const error = thrownBy(() => mergeConfig(DEFAULT_CONFIG, { batchSize: loop }));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toContain("batchSize");
  });

  it("a Symbol value's message does not say undefined", () => {
    const error = thrownBy(() => mergeConfig(DEFAULT_CONFIG, { batchSize: Symbol("ten") }));
    expect(error).toBeInstanceOf(ValidationError);
    const message = (error as ValidationError).message;
    expect(message).toContain("batchSize");
    expect(message).not.toContain("undefined");
  });

  it("a hostile value next to a good one still reports only the bad key and changes nothing", () => {
    const error = thrownBy(() => mergeConfig(DEFAULT_CONFIG, { batchTimeout: 50, batchSize: 10n }));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual([["batchSize"]]);
    expect(DEFAULT_CONFIG.batchTimeout).toBe(100);
  });
});

describe("(b) utf8Length counts lone surrogates like Buffer does", () => {
  it("equals Buffer.byteLength for fc.string({ unit: 'binary' })", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 100 }), (s) => {
        expect(utf8Length(s)).toBe(Buffer.byteLength(s, "utf8"));
      }),
      { numRuns: 2000 },
    );
  });

  it("equals Buffer.byteLength for strings of arbitrary code units, lone surrogates included", () => {
    const anyUnit = fc.oneof(
      fc.integer({ min: 0xd800, max: 0xdfff }).map((u) => String.fromCharCode(u)),
      fc.integer({ min: 0, max: 0x10ffff }).map((cp) => String.fromCodePoint(cp)),
      fc.constantFrom("a", "é", "😀"),
    );
    fc.assert(
      fc.property(fc.string({ unit: anyUnit, maxLength: 200 }), (s) => {
        expect(utf8Length(s)).toBe(Buffer.byteLength(s, "utf8"));
      }),
      { numRuns: 2000 },
    );
  });

  it("a high surrogate followed by a non-surrogate is 3 bytes, and the next character is still counted", () => {
    // Buffer writes a lone surrogate as U+FFFD (3 bytes).
    expect(utf8Length("\ud83d漢")).toBe(6);
    expect(Buffer.byteLength("\ud83d漢", "utf8")).toBe(6);
    expect(utf8Length("\ud83dé")).toBe(5);
    expect(utf8Length("\ud83d\ud83d\ude00")).toBe(Buffer.byteLength("\ud83d\ud83d\ude00", "utf8"));
  });
});

interface Item extends BatchItem {
  readonly id: string;
}

function batcher(send: (items: Item[]) => void) {
  const tasks = new DeferQueue();
  const clock = new FakeClock(0);
  const b = new Batcher<Item>({
    limits: () => ({ maxCount: 10, maxBytes: 100, windowMs: 100 }),
    clock,
    defer: tasks.defer,
    send,
  });
  const item = (id: string, bytes: number, priority: Priority = "normal"): Item => ({
    id,
    bytes,
    priority,
  });
  return { b, tasks, clock, item };
}

describe("(c) Batcher: a throwing send never causes a resend", () => {
  it("after the 2nd send throws, a flush does not send [a, b] again and c was sent once", () => {
    const calls: string[][] = [];
    const failure = new Error("transport down");
    const t = batcher((items) => {
      calls.push(items.map((i) => i.id));
      if (calls.length === 2) throw failure;
    });
    t.b.push(t.item("a", 60));
    t.b.push(t.item("b", 30));
    t.b.push(t.item("c", 30, "high"));
    expect(thrownBy(() => t.tasks.endOfTask())).toBe(failure);
    expect(calls).toEqual([["a", "b"], ["c"]]);
    t.b.flush();
    t.tasks.endOfTask();
    t.clock.advance(1000);
    expect(calls).toEqual([["a", "b"], ["c"]]);
    expect(calls.flat().filter((id) => id === "c")).toHaveLength(1);
    expect(t.b.pending).toBe(0);
  });

  it("the batcher keeps working after the throw", () => {
    const calls: string[][] = [];
    const t = batcher((items) => {
      calls.push(items.map((i) => i.id));
      if (calls.length === 2) throw new Error("once");
    });
    t.b.push(t.item("a", 60));
    t.b.push(t.item("b", 30));
    t.b.push(t.item("c", 30, "high"));
    thrownBy(() => t.tasks.endOfTask());
    t.b.push(t.item("d", 10));
    t.tasks.endOfTask();
    expect(calls).toEqual([["a", "b"], ["c"], ["d"]]);
  });
});

describe("(d) Batcher: an item pushed from inside send is not lost", () => {
  it("goes out at the next end of task", () => {
    const calls: string[][] = [];
    const t: ReturnType<typeof batcher> = batcher((items) => {
      calls.push(items.map((i) => i.id));
      if (calls.length === 1) t.b.push(t.item("x", 10));
    });
    t.b.push(t.item("a", 10));
    t.tasks.endOfTask();
    expect(calls[0]).toEqual(["a"]);
    t.tasks.endOfTask();
    expect(calls).toEqual([["a"], ["x"]]);
    expect(t.b.pending).toBe(0);
  });

  it("also when pushed from inside a high-priority flush", () => {
    const calls: string[][] = [];
    const t: ReturnType<typeof batcher> = batcher((items) => {
      calls.push(items.map((i) => i.id));
      if (calls.length === 1) t.b.push(t.item("reply", 10, "high"));
    });
    t.b.push(t.item("a", 10, "high"));
    t.tasks.endOfTask();
    expect(calls[0]).toEqual(["a"]);
    t.tasks.endOfTask();
    expect(calls).toEqual([["a"], ["reply"]]);
  });
});

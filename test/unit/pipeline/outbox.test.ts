import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Priority } from "../../../src/pipeline/batcher";
import { Outbox, type OutboxDrop } from "../../../src/pipeline/outbox";

interface Item {
  id: string;
  priority: Priority;
  at: number;
}

function setup(size: number, maxAge = 30_000) {
  const limits = { size, maxAge };
  const drops: { reason: OutboxDrop; id: string }[] = [];
  const outbox = new Outbox<Item>(
    () => limits,
    (reason, item) => drops.push({ reason, id: item.id }),
  );
  const add = (id: string, priority: Priority = "normal", at = 0) => outbox.add({ id, priority, at });
  return { outbox, drops, add, limits };
}

describe("Outbox", () => {
  it("keeps items in order up to its size", () => {
    const t = setup(3);
    t.add("a");
    t.add("b");
    t.add("c");
    expect(t.outbox.size).toBe(3);
    expect(t.drops).toEqual([]);
    expect(t.outbox.drain(0).map((i) => i.id)).toEqual(["a", "b", "c"]);
    expect(t.outbox.size).toBe(0);
  });

  it("on overflow drops the oldest low-priority item first", () => {
    const t = setup(3);
    t.add("n1", "normal");
    t.add("l1", "low");
    t.add("l2", "low");
    t.add("h1", "high");
    expect(t.drops).toEqual([{ reason: "outbox-overflow", id: "l1" }]);
    t.add("n2", "normal");
    expect(t.drops).toEqual([
      { reason: "outbox-overflow", id: "l1" },
      { reason: "outbox-overflow", id: "l2" },
    ]);
    expect(t.outbox.drain(0).map((i) => i.id)).toEqual(["n1", "h1", "n2"]);
  });

  it("with no low-priority item, drops the oldest of any priority", () => {
    const t = setup(2);
    t.add("h1", "high");
    t.add("n1", "normal");
    t.add("n2", "normal");
    expect(t.drops).toEqual([{ reason: "outbox-overflow", id: "h1" }]);
    expect(t.outbox.drain(0).map((i) => i.id)).toEqual(["n1", "n2"]);
  });

  it("drops a new low item when it is the only low one", () => {
    const t = setup(2);
    t.add("n1");
    t.add("n2");
    t.add("l1", "low");
    expect(t.drops).toEqual([{ reason: "outbox-overflow", id: "l1" }]);
    expect(t.outbox.size).toBe(2);
  });

  it("size 0 drops everything as overflow", () => {
    const t = setup(0);
    t.add("a", "high");
    t.add("b", "low");
    expect(t.outbox.size).toBe(0);
    expect(t.drops).toEqual([
      { reason: "outbox-overflow", id: "a" },
      { reason: "outbox-overflow", id: "b" },
    ]);
    expect(t.outbox.drain(0)).toEqual([]);
  });

  it("shrinks to a lowered size on the next add", () => {
    const t = setup(5);
    for (const id of ["a", "b", "c", "d", "e"]) t.add(id);
    t.limits.size = 2;
    t.add("f");
    expect(t.outbox.size).toBe(2);
    expect(t.drops.map((d) => d.id)).toEqual(["a", "b", "c", "d"]);
    expect(t.outbox.drain(0).map((i) => i.id)).toEqual(["e", "f"]);
  });

  it("drain drops items older than maxAge and returns the rest in order", () => {
    const t = setup(10, 1000);
    t.add("old1", "normal", 0);
    t.add("fresh1", "low", 600);
    t.add("old2", "high", 100);
    t.add("edge", "normal", 500);
    t.add("fresh2", "normal", 1400);
    const out = t.outbox.drain(1500);
    expect(out.map((i) => i.id)).toEqual(["fresh1", "edge", "fresh2"]);
    expect(t.drops).toEqual([
      { reason: "outbox-expired", id: "old1" },
      { reason: "outbox-expired", id: "old2" },
    ]);
    expect(t.outbox.size).toBe(0);
    expect(t.outbox.drain(1500)).toEqual([]);
  });

  it("clear empties the outbox without reporting drops", () => {
    const t = setup(5);
    t.add("a");
    t.add("b");
    t.outbox.clear();
    expect(t.outbox.size).toBe(0);
    expect(t.drops).toEqual([]);
    expect(t.outbox.drain(0)).toEqual([]);
  });

  it("property: bounded, drops the oldest low first, loses only reported items, keeps order", () => {
    const priorityArb = fc.constantFrom<Priority>("low", "normal", "high");
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 8 }),
        fc.array(priorityArb, { maxLength: 60 }),
        (size, priorities) => {
          const t = setup(size);
          const held: { id: string; priority: Priority }[] = [];
          priorities.forEach((priority, i) => {
            const before = t.drops.length;
            const id = `i${i}`;
            t.add(id, priority);
            held.push({ id, priority });
            for (const drop of t.drops.slice(before)) {
              expect(drop.reason).toBe("outbox-overflow");
              const firstLow = held.findIndex((h) => h.priority === "low");
              const index = held.findIndex((h) => h.id === drop.id);
              expect(index).toBe(Math.max(firstLow, 0));
              held.splice(index, 1);
            }
            expect(t.outbox.size).toBe(held.length);
            expect(t.outbox.size).toBeLessThanOrEqual(size);
          });
          expect(t.outbox.drain(0).map((i) => i.id)).toEqual(held.map((h) => h.id));
          expect(t.drops.length + held.length).toBe(priorities.length);
        },
      ),
      { numRuns: 300 },
    );
  });
});

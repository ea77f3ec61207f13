import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Batcher, type BatchItem, type Priority } from "../../../src/pipeline/batcher";
import { DeferQueue, FakeClock } from "../support";

interface Item extends BatchItem {
  readonly id: number;
}

interface Limits {
  maxCount: number;
  maxBytes: number;
  windowMs: number;
}

function setup(initial: Partial<Limits> = {}) {
  const limits: Limits = { maxCount: 10, maxBytes: 10_000, windowMs: 100, ...initial };
  const clock = new FakeClock(1000);
  const tasks = new DeferQueue();
  const frames: Item[][] = [];
  let coalesced = 0;
  const batcher = new Batcher<Item>({
    limits: () => limits,
    clock,
    defer: tasks.defer,
    send: (items) => {
      frames.push(items);
    },
    onCoalesced: () => {
      coalesced++;
    },
  });
  let nextId = 1;
  const push = (priority: Priority = "normal", extra: { bytes?: number; coalesce?: string } = {}): Item => {
    const id = nextId++;
    const item: Item = {
      id,
      bytes: extra.bytes ?? 10,
      priority,
      ...(extra.coalesce === undefined ? {} : { coalesce: extra.coalesce }),
    };
    batcher.push(item);
    return item;
  };
  const ids = () => frames.map((f) => f.map((i) => i.id));
  return {
    batcher,
    clock,
    tasks,
    frames,
    push,
    ids,
    limits,
    coalescedCount: () => coalesced,
  };
}

describe("normal priority", () => {
  it("flushes at the end of the task, not before", () => {
    const t = setup();
    t.push();
    t.push();
    t.push();
    expect(t.frames).toEqual([]);
    expect(t.batcher.pending).toBe(3);
    t.tasks.endOfTask();
    expect(t.ids()).toEqual([[1, 2, 3]]);
    expect(t.batcher.pending).toBe(0);
  });

  it("sends a lone message at the end of the task without waiting for the window", () => {
    const t = setup({ windowMs: 10_000 });
    t.push();
    t.tasks.endOfTask();
    expect(t.ids()).toEqual([[1]]);
    expect(t.clock.now()).toBe(1000);
  });

  it("does not use the timer for normal messages", () => {
    const t = setup();
    t.push();
    t.clock.advance(1_000_000);
    expect(t.frames).toEqual([]);
    t.tasks.endOfTask();
    expect(t.ids()).toEqual([[1]]);
  });

  it("asks for one end-of-task flush per task, however many messages", () => {
    const t = setup({ maxCount: 1000 });
    for (let i = 0; i < 50; i++) t.push();
    expect(t.tasks.length).toBe(1);
    t.tasks.endOfTask();
    expect(t.frames).toHaveLength(1);
    t.push();
    expect(t.tasks.length).toBe(1);
    t.tasks.endOfTask();
    expect(t.ids()).toEqual([Array.from({ length: 50 }, (_, i) => i + 1), [51]]);
  });

  it("1000 pushes in one task go out in frames of exactly maxCount, in order, before the task ends", () => {
    const t = setup({ maxCount: 100 });
    const pushed = Array.from({ length: 1000 }, () => t.push().id);
    expect(t.frames).toHaveLength(10);
    for (const frame of t.frames) expect(frame).toHaveLength(100);
    expect(t.ids().flat()).toEqual(pushed);
    t.tasks.endOfTask();
    expect(t.frames).toHaveLength(10);
  });

  it("keeps a remainder smaller than maxCount until the end of the task", () => {
    const t = setup({ maxCount: 300 });
    const pushed = Array.from({ length: 1000 }, () => t.push().id);
    expect(t.frames.map((f) => f.length)).toEqual([300, 300, 300]);
    t.tasks.endOfTask();
    expect(t.frames.map((f) => f.length)).toEqual([300, 300, 300, 100]);
    expect(t.ids().flat()).toEqual(pushed);
  });

  it("closes a frame when the next item would exceed maxBytes", () => {
    const t = setup({ maxBytes: 100, maxCount: 1000 });
    for (let i = 0; i < 7; i++) t.push("normal", { bytes: 30 });
    // 30+30+30 = 90; a fourth would make 120 > 100.
    expect(t.ids()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    t.tasks.endOfTask();
    expect(t.ids()).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
    for (const frame of t.frames) expect(frame.reduce((n, i) => n + i.bytes, 0)).toBeLessThanOrEqual(100);
  });

  it("sends a frame that reaches maxBytes exactly at once", () => {
    const t = setup({ maxBytes: 100 });
    t.push("normal", { bytes: 60 });
    expect(t.frames).toEqual([]);
    t.push("normal", { bytes: 40 });
    expect(t.ids()).toEqual([[1, 2]]);
  });

  it("sends a single item larger than maxBytes alone", () => {
    const t = setup({ maxBytes: 100 });
    t.push("normal", { bytes: 10 });
    t.push("normal", { bytes: 500 });
    t.push("normal", { bytes: 10 });
    t.tasks.endOfTask();
    expect(t.ids()).toEqual([[1], [2], [3]]);
  });

  it("reads the limits on every push", () => {
    const t = setup({ maxCount: 100 });
    t.push();
    t.push();
    t.limits.maxCount = 3;
    t.push();
    expect(t.ids()).toEqual([[1, 2, 3]]);
  });
});

describe("high priority", () => {
  it("flushes at the end of the task, carrying everything queued ahead of it in order", () => {
    const t = setup();
    t.push("low");
    t.push("normal");
    t.push("low");
    t.push("high");
    expect(t.frames).toEqual([]);
    t.tasks.endOfTask();
    expect(t.ids()).toEqual([[1, 2, 3, 4]]);
    expect(t.batcher.pending).toBe(0);
  });

  it("many high messages in one task share frames: the first leaves at once, full frames as they fill, the rest at the end of the task", () => {
    const t = setup({ maxCount: 50 });
    for (let i = 0; i < 120; i++) t.push("high");
    expect(t.frames.map((f) => f.length)).toEqual([1, 50, 50]);
    t.tasks.endOfTask();
    expect(t.frames.map((f) => f.length)).toEqual([1, 50, 50, 19]);
  });

  it("a lone high message leaves at once, in each task again, without waiting for the low window", () => {
    const t = setup({ windowMs: 100 });
    t.push("high");
    expect(t.ids()).toEqual([[1]]);
    t.tasks.endOfTask();
    t.push("high");
    expect(t.ids()).toEqual([[1], [2]]);
    t.tasks.endOfTask();
    expect(t.ids()).toEqual([[1], [2]]);
    expect(t.clock.pendingTimers).toBe(0);
  });

  it("after groupRestOfTask, the task's high messages share frames; the next task's first leaves at once again", () => {
    const t = setup();
    t.batcher.groupRestOfTask();
    t.push("high");
    t.push("high");
    expect(t.frames).toEqual([]);
    t.tasks.endOfTask();
    expect(t.ids()).toEqual([[1, 2]]);
    t.push("high");
    expect(t.ids()).toEqual([[1, 2], [3]]);
  });

  it("a high message waits for the end of the task when anything is queued ahead of it", () => {
    const t = setup();
    t.push("normal");
    t.push("high");
    expect(t.frames).toEqual([]);
    t.tasks.endOfTask();
    expect(t.ids()).toEqual([[1, 2]]);
  });

  it("an unsent message replaced by a coalesced one does not count as queued ahead", () => {
    const t = setup();
    t.push("low", { coalesce: "k" });
    t.push("low", { coalesce: "k" });
    expect(t.batcher.pending).toBe(1);
    t.push("high");
    expect(t.frames).toEqual([]);
    t.tasks.endOfTask();
    expect(t.ids()).toEqual([[2, 3]]);
  });

  it("splits what it carries into frames of maxCount", () => {
    const t = setup({ maxCount: 4 });
    for (let i = 0; i < 3; i++) t.push("low");
    for (let i = 0; i < 3; i++) t.push("low");
    t.push("high");
    t.tasks.endOfTask();
    expect(t.ids()).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7],
    ]);
  });

  it("cancels the low-priority timer once everything is sent", () => {
    const t = setup();
    t.push("low");
    expect(t.clock.pendingTimers).toBe(1);
    t.push("high");
    t.tasks.endOfTask();
    expect(t.clock.pendingTimers).toBe(0);
    t.clock.advance(1000);
    t.tasks.endOfTask();
    expect(t.frames).toHaveLength(1);
  });
});

describe("low priority", () => {
  it("is not sent at the end of the task when only low messages are queued", () => {
    const t = setup({ windowMs: 100 });
    t.push("low");
    t.push("low");
    t.tasks.endOfTask();
    expect(t.frames).toEqual([]);
    t.clock.advance(99);
    expect(t.frames).toEqual([]);
    t.clock.advance(1);
    expect(t.ids()).toEqual([[1, 2]]);
  });

  it("waits at most windowMs from the first low message", () => {
    const t = setup({ windowMs: 100 });
    t.push("low");
    t.clock.advance(60);
    t.push("low");
    t.clock.advance(40);
    expect(t.ids()).toEqual([[1, 2]]);
  });

  it("starts a new window after a flush", () => {
    const t = setup({ windowMs: 100 });
    t.push("low");
    t.clock.advance(100);
    t.push("low");
    t.clock.advance(99);
    expect(t.ids()).toEqual([[1]]);
    t.clock.advance(1);
    expect(t.ids()).toEqual([[1], [2]]);
  });

  it("rides along with a later normal flush", () => {
    const t = setup({ windowMs: 100 });
    t.push("low");
    t.push("normal");
    t.push("low");
    t.tasks.endOfTask();
    expect(t.ids()).toEqual([[1, 2, 3]]);
    t.clock.advance(1000);
    expect(t.frames).toHaveLength(1);
    expect(t.clock.pendingTimers).toBe(0);
  });

  it("goes out with a full frame when maxCount is reached", () => {
    const t = setup({ maxCount: 3 });
    t.push("low");
    t.push("low");
    t.push("low");
    expect(t.ids()).toEqual([[1, 2, 3]]);
  });
});

describe("coalescing", () => {
  it("a later item with the same key replaces the unsent earlier one", () => {
    const t = setup();
    t.push("normal", { coalesce: "token" });
    t.push("normal");
    t.push("normal", { coalesce: "token" });
    t.push("normal", { coalesce: "token" });
    expect(t.coalescedCount()).toBe(2);
    expect(t.batcher.pending).toBe(2);
    t.tasks.endOfTask();
    expect(t.ids()).toEqual([[2, 4]]);
  });

  it("different keys are both sent", () => {
    const t = setup();
    t.push("normal", { coalesce: "a" });
    t.push("normal", { coalesce: "b" });
    t.tasks.endOfTask();
    expect(t.ids()).toEqual([[1, 2]]);
    expect(t.coalescedCount()).toBe(0);
  });

  it("a key reused after a flush is sent again", () => {
    const t = setup();
    t.push("normal", { coalesce: "k" });
    t.tasks.endOfTask();
    t.push("normal", { coalesce: "k" });
    t.tasks.endOfTask();
    expect(t.ids()).toEqual([[1], [2]]);
    expect(t.coalescedCount()).toBe(0);
  });

  it("a key reused after a full frame went out is sent again", () => {
    const t = setup({ maxCount: 2 });
    t.push("normal", { coalesce: "k" });
    t.push("normal");
    t.push("normal", { coalesce: "k" });
    t.tasks.endOfTask();
    expect(t.ids()).toEqual([[1, 2], [3]]);
    expect(t.coalescedCount()).toBe(0);
  });

  it("coalesces across priorities and frees the replaced item's bytes", () => {
    const t = setup({ maxBytes: 100, maxCount: 100 });
    t.push("low", { coalesce: "k", bytes: 90 });
    t.push("normal", { coalesce: "k", bytes: 20 });
    // Without the earlier 90 bytes nothing is full yet.
    expect(t.frames).toEqual([]);
    t.push("normal", { bytes: 20 });
    t.tasks.endOfTask();
    expect(t.ids()).toEqual([[2, 3]]);
  });

  it("a replaced item does not count toward maxCount", () => {
    const t = setup({ maxCount: 3 });
    t.push("normal", { coalesce: "k" });
    t.push("normal", { coalesce: "k" });
    t.push("normal", { coalesce: "k" });
    expect(t.frames).toEqual([]);
    t.push("normal");
    t.push("normal");
    expect(t.ids()).toEqual([[3, 4, 5]]);
  });
});

describe("take and clear", () => {
  it("take returns queued items in order and leaves nothing", () => {
    const t = setup();
    t.push("low");
    t.push("normal", { coalesce: "k" });
    t.push("normal");
    t.push("normal", { coalesce: "k" });
    const taken = t.batcher.take();
    expect(taken.map((i) => i.id)).toEqual([1, 3, 4]);
    expect(t.batcher.pending).toBe(0);
    expect(t.batcher.take()).toEqual([]);
    t.tasks.endOfTask();
    t.clock.advance(10_000);
    expect(t.frames).toEqual([]);
    expect(t.clock.pendingTimers).toBe(0);
  });

  it("clear forgets everything and the batcher keeps working", () => {
    const t = setup();
    t.push("low", { coalesce: "k" });
    t.push("normal");
    t.batcher.clear();
    t.tasks.endOfTask();
    t.clock.advance(10_000);
    expect(t.frames).toEqual([]);
    t.push("normal", { coalesce: "k" });
    t.tasks.endOfTask();
    expect(t.ids()).toEqual([[3]]);
    expect(t.coalescedCount()).toBe(0);
  });

  it("flush sends everything at once", () => {
    const t = setup();
    t.push("low");
    t.push("normal");
    t.batcher.flush();
    expect(t.ids()).toEqual([[1, 2]]);
    t.batcher.flush();
    expect(t.frames).toHaveLength(1);
  });
});

describe("property: frames preserve order and respect the limits", () => {
  type Action =
    | { kind: "push"; priority: Priority; bytes: number; coalesce: string | undefined }
    | { kind: "endOfTask" }
    | { kind: "advance"; ms: number };

  const actionArb: fc.Arbitrary<Action> = fc.oneof(
    {
      weight: 8,
      arbitrary: fc.record({
        kind: fc.constant("push" as const),
        priority: fc.constantFrom<Priority>("low", "normal", "high"),
        bytes: fc.integer({ min: 1, max: 400 }),
        coalesce: fc.option(fc.constantFrom("a", "b", "c"), { nil: undefined }),
      }),
    },
    { weight: 1, arbitrary: fc.constant({ kind: "endOfTask" as const }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("advance" as const), ms: fc.nat({ max: 200 }) }) },
  );

  it("sent = pushed minus coalesced, in order; frames within maxCount and maxBytes", () => {
    fc.assert(
      fc.property(
        fc.array(actionArb, { maxLength: 150 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 1200 }),
        fc.integer({ min: 0, max: 150 }),
        (actions, maxCount, maxBytes, windowMs) => {
          const t = setup({ maxCount, maxBytes, windowMs });
          const sentIds = new Set<number>();
          const pushed: number[] = [];
          const replaced = new Set<number>();
          const lastByKey = new Map<string, number>();
          const record = () => {
            for (const frame of t.frames) for (const item of frame) sentIds.add(item.id);
          };
          for (const action of actions) {
            if (action.kind === "push") {
              record();
              if (action.coalesce !== undefined) {
                const earlier = lastByKey.get(action.coalesce);
                if (earlier !== undefined && !sentIds.has(earlier)) replaced.add(earlier);
              }
              const item = t.push(action.priority, { bytes: action.bytes, coalesce: action.coalesce });
              pushed.push(item.id);
              if (action.coalesce !== undefined) lastByKey.set(action.coalesce, item.id);
            } else if (action.kind === "endOfTask") t.tasks.endOfTask();
            else t.clock.advance(action.ms);
          }
          t.batcher.flush();
          t.tasks.endOfTask();
          t.clock.advance(10_000);

          expect(t.ids().flat()).toEqual(pushed.filter((id) => !replaced.has(id)));
          expect(t.coalescedCount()).toBe(replaced.size);
          expect(t.batcher.pending).toBe(0);
          for (const frame of t.frames) {
            expect(frame.length).toBeGreaterThan(0);
            expect(frame.length).toBeLessThanOrEqual(maxCount);
            if (frame.length > 1) {
              expect(frame.reduce((n, i) => n + i.bytes, 0)).toBeLessThanOrEqual(maxBytes);
            }
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it("nothing is ever left behind: every pushed item goes out without an explicit flush", () => {
    fc.assert(
      fc.property(
        fc.array(actionArb, { maxLength: 100 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 150 }),
        (actions, maxCount, windowMs) => {
          const t = setup({ maxCount, maxBytes: 1000, windowMs });
          for (const action of actions) {
            if (action.kind === "push") t.push(action.priority, { bytes: action.bytes });
            else if (action.kind === "endOfTask") t.tasks.endOfTask();
            else t.clock.advance(action.ms);
          }
          t.tasks.endOfTask();
          t.clock.advance(windowMs);
          expect(t.batcher.pending).toBe(0);
          const pushes = actions.filter((a) => a.kind === "push").length;
          expect(t.ids().flat()).toEqual(Array.from({ length: pushes }, (_, i) => i + 1));
        },
      ),
      { numRuns: 300 },
    );
  });
});

/**
 * The sizes of shared values: `byteLength` and `jsonBytes` against Node's own count, the one-walk frozen copy
 * against `deepFreeze(toJson(...))`, and a size carried through snapshots and patches against a fresh measure.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../src/contract/errors";
import { Counters } from "../../../src/metrics/counters";
import { byteLength, UTF8_WINDOW } from "../../../src/pipeline/sizes";
import { diff } from "../../../src/shared/diff";
import { deepFreeze } from "../../../src/shared/frozen";
import { Held } from "../../../src/shared/held";
import type { SharedHost } from "../../../src/shared/host";
import { frozenJson, type Json, jsonBytes, toJson } from "../../../src/shared/json";
import { readSharedOptions } from "../../../src/shared/options";
import { applyPatch, type SharedOp } from "../../../src/shared/patch";
import { SharedStateCore } from "../../../src/shared/state";
import { thrownBy } from "../support";

/** Node's count, an independent oracle (a lone surrogate is written as U+FFFD: 3 bytes). */
const nodeBytes = (text: string) => Buffer.byteLength(text, "utf8");

/** Strings of any UTF-16 units: ASCII, two- and three-byte characters, pairs and lone halves of pairs. */
const units = fc
  .array(
    fc.oneof(
      fc.constantFrom("a", '"', "\\", "\n", "\u0001", "é", "€", "😀", "\ud83d", "\ude00"),
      fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
    ),
    { maxLength: 64 },
  )
  .map((parts) => parts.join(""));

const json: fc.Arbitrary<Json> = fc.letrec<{ value: Json }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.oneof(fc.constant(null), fc.boolean(), fc.double({ noNaN: true, noDefaultInfinity: true }), units),
    fc.array(tie("value"), { maxLength: 5 }),
    fc.dictionary(units, tie("value"), { maxKeys: 5 }),
  ),
})).value;

describe("byteLength, which sizes shared values' text", () => {
  it("counts what Node's Buffer counts, for any string", () => {
    fc.assert(
      fc.property(units, (text) => {
        expect(byteLength(text)).toBe(nodeBytes(text));
      }),
      { numRuns: 3000 },
    );
  });

  it("counts long text window by window without splitting a pair, wherever the pairs fall", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: UTF8_WINDOW - 3, max: UTF8_WINDOW + 3 }),
        fc.constantFrom("😀", "\ud83d", "\ude00", "é", "x", "\ud800😀", "😀\ud800"),
        fc.integer({ min: 1, max: 3 }),
        (at, piece, windows) => {
          const filler = "y".repeat(at);
          const text = (filler + piece).repeat(windows) + "z".repeat(UTF8_WINDOW);
          expect(byteLength(text)).toBe(nodeBytes(text));
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("jsonBytes", () => {
  it("is the UTF-8 size of JSON.stringify for any JSON value, large ones included", () => {
    fc.assert(
      fc.property(json, (value) => {
        expect(jsonBytes(value)).toBe(nodeBytes(JSON.stringify(value)));
      }),
      { numRuns: 2000 },
    );
    const big = { blob: "y".repeat(1 << 20), mixed: "é😀\ud83d".repeat(10_000) };
    expect(jsonBytes(big)).toBe(nodeBytes(JSON.stringify(big)));
  });
});

describe("frozenJson", () => {
  it("is deepFreeze(toJson(value)) in one walk: the same copy, frozen at every level", () => {
    fc.assert(
      fc.property(json, (value) => {
        const copy = frozenJson(value);
        expect(copy).toEqual(deepFreeze(toJson(value)));
        const open: unknown[] = [copy];
        for (let i = 0; i < open.length && i < 10_000; i++) {
          const node = open[i];
          if (typeof node !== "object" || node === null) continue;
          expect(Object.isFrozen(node)).toBe(true);
          open.push(...Object.values(node));
        }
      }),
      { numRuns: 1000 },
    );
  });

  it.each([
    [{ a: [1, { b: Number.NaN }] }, "snapshot.a[1].b is NaN"],
    [JSON.parse('{"x":{"__proto__":1}}'), 'snapshot.x has the reserved key "__proto__"'],
    [{ a: [new Date(0)] }, "snapshot.a[0] is an instance of Date"],
  ])("refuses what toJson refuses, naming the same path (%#)", (value, message) => {
    const error = thrownBy(() => frozenJson(value, "snapshot"));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toContain(message);
    expect((thrownBy(() => toJson(value, "snapshot")) as Error).message).toBe((error as Error).message);
  });
});

describe("applyPatch's sizes", () => {
  it("counts the operations' own JSON size exactly, measuring each value once", () => {
    fc.assert(
      fc.property(json, json, fc.constantFrom("index" as const, "whole" as const), (x, y, mode) => {
        const a = frozenJson(x);
        const ops = diff(a, toJson(y), mode);
        const applied = applyPatch(a, ops, jsonBytes(a));
        expect(applied.patchBytes).toBe(nodeBytes(JSON.stringify(ops)));
        expect(applied.bytes).toBe(nodeBytes(JSON.stringify(applied.value)));
      }),
      { numRuns: 2000 },
    );
    const ops: SharedOp[] = [[[], { a: ["é"] }], [["a", 1], "😀"], [["b"], null], [["a", 1]]];
    expect(applyPatch({}, ops, 2).patchBytes).toBe(nodeBytes(JSON.stringify(ops)));
    expect(applyPatch({}, [], 2).patchBytes).toBe(2);
  });
});

describe("applyPatch on a value whose size is unknown", () => {
  it("makes the same value, leaves the size unknown, and refuses the same operations", () => {
    fc.assert(
      fc.property(json, json, (x, y) => {
        const a = frozenJson(x);
        const ops = diff(a, toJson(y), "index");
        const sized = applyPatch(a, ops, jsonBytes(a));
        const unsized = applyPatch(a, ops, null);
        expect(unsized.value).toEqual(sized.value);
        expect(unsized.bytes).toBeNull();
        expect(unsized.patchBytes).toBeNull();
      }),
      { numRuns: 1000 },
    );
    const bad: SharedOp[] = [[["missing", "deep"], 1]];
    expect(thrownBy(() => applyPatch({}, bad, null))).toEqual(thrownBy(() => applyPatch({}, bad, 2)));
  });
});

/** A host that records nothing: these tests look at what one replica holds. */
function host(me: string): SharedHost {
  const none = () => {};
  return {
    me,
    clock: { now: () => 0, setTimeout: () => null, clearTimeout: none } as unknown as SharedHost["clock"],
    log: { debug: none, info: none, warn: none, error: none },
    counters: new Counters(),
    requestTimeout: () => 1000,
    authority: () => "gm",
    user: () => undefined,
    started: () => Promise.resolve(),
    newEpoch: () => "e",
    sendPatch: none,
    sendSnapshot: none,
    snapshotBudget: () => true,
    proposalWork: { may: () => true, spend: () => {}, timed: (_user, check) => check() },
    sendWant: none,
    propose: () => Promise.resolve({ v: 1 }),
    poll: () => Promise.resolve(new Map()),
    fetch: () => Promise.resolve(null),
    loadPersisted: () => null,
    savePersisted: none,
    forget: none,
  };
}

const ref = { m: "mod", k: "board" };

describe("the size a replica holds", () => {
  it("is measured when first asked for after a snapshot, then kept", () => {
    const held = new Held(ref, readSharedOptions("mod", "board", { initial: { n: 1 } }), host("p1"));
    expect(held.knownBytes).toBe(jsonBytes({ n: 1 }));
    const value = frozenJson({ blob: "é".repeat(100) });
    held.hold(value, null);
    expect(held.knownBytes).toBeNull();
    expect(held.bytes).toBe(nodeBytes(JSON.stringify(value)));
    expect(held.knownBytes).toBe(held.bytes);
  });

  it("equals the value's real size after any snapshot and patches, asked for at any point", () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom("a", "b", "é"), json, { maxKeys: 3 }),
        fc.array(fc.dictionary(fc.constantFrom("a", "b", "é"), json, { maxKeys: 3 }), { maxLength: 6 }),
        fc.integer({ min: 0, max: 7 }),
        (first, steps, askAt) => {
          const state = new SharedStateCore(
            ref,
            readSharedOptions("mod", "board", { initial: {} }),
            host("p1"),
          );
          state.setAuthority(false, "gm");
          state.snapshot({ ...ref, e: "a.1", v: 1, by: "gm", d: first });
          let version = 1;
          steps.forEach((step, i) => {
            if (i === askAt) expect(state.info().bytes).toBe(jsonBytes(state.value));
            const ops = diff(state.value, toJson(step), "index");
            state.patch({ ...ref, e: "a.1", f: version, v: version + 1, by: "gm", o: ops });
            version++;
          });
          expect(state.version).toBe(version);
          expect(state.value).toEqual(toJson(steps.at(-1) ?? first));
          expect(state.info().bytes).toBe(nodeBytes(JSON.stringify(state.value)));
        },
      ),
      { numRuns: 500 },
    );
  });
});

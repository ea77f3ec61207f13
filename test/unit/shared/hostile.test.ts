/**
 * Shared state against a hostile writer: a patch's cost does not grow with the object it changes, a value never
 * nests deeper than a message can carry, and a proposal is measured and bounded in bytes before it waits.
 */
import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../src/contract/errors";
import type { FoundryUser, SharedOp, StandardSchemaV1 } from "../../../src/contract/types";
import type { Logger } from "../../../src/log";
import { Counters } from "../../../src/metrics/counters";
import { snapshot } from "../../../src/pipeline/snapshot";
import { deepFreeze } from "../../../src/shared/frozen";
import { type Json, jsonBytes, MAX_DEPTH, toJson } from "../../../src/shared/json";
import { readSharedOptions } from "../../../src/shared/options";
import { applyPatch } from "../../../src/shared/patch";
import { ProposalWork } from "../../../src/shared/proposal-work";
import { MAX_QUEUED_PATCHES, MAX_QUEUED_PATCHES_PER_USER } from "../../../src/shared/queue";
import { type SharedHost, SharedStateCore } from "../../../src/shared/state";
import type { PatchMessage, ProposeReply, SnapshotMessage } from "../../../src/shared/wire";
import { FakeClock } from "../support";

const player = (id: string): FoundryUser => ({ id, name: id, role: 1, isGM: false, active: true });
const quiet: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const ref = { m: "mod", k: "board" };

const settle = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

/** `levels` objects one inside the next, `{ a: { a: … { a: 1 } } }` (0 levels: the scalar 1). */
function chain(levels: number): Json {
  let value: Json = 1;
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
}

/** A state on the authority (this client, "gm"), after its handover, with what it sent. */
async function authority(opts: Record<string, unknown>, work?: (clock: FakeClock) => ProposalWork) {
  const out = { patches: [] as PatchMessage[], snapshots: [] as SnapshotMessage[] };
  const clock = new FakeClock(1_000_000);
  const host: SharedHost = {
    me: "gm",
    clock,
    log: quiet,
    counters: new Counters(),
    requestTimeout: () => 10_000,
    authority: () => "gm",
    user: () => undefined,
    started: () => Promise.resolve(),
    newEpoch: () => "gm.1",
    sendPatch: (message) => void out.patches.push(structuredClone(message)),
    sendSnapshot: (message) => void out.snapshots.push(structuredClone(message)),
    snapshotBudget: () => true,
    proposalWork: work ? work(clock) : new ProposalWork(clock),
    sendWant: () => {},
    propose: () => Promise.resolve({ v: 1 }),
    poll: () => Promise.resolve(new Map()),
    fetch: () => Promise.resolve(null),
    loadPersisted: () => null,
    savePersisted: () => {},
    forget: () => {},
  };
  const state = new SharedStateCore(ref, readSharedOptions("mod", "board", opts), host);
  state.setAuthority(true, "gm");
  await settle();
  return { state, out, clock, counters: host.counters };
}

/**
 * Runs `fn` counting the calls to `Object.keys` (a spy would keep every key list it returned: too many to hold
 * on code that calls it once per operation).
 */
function countingKeys<T>(fn: () => T): T & { calls: number } {
  const keys = Object.keys;
  let calls = 0;
  Object.keys = (o: object) => {
    calls++;
    return keys(o);
  };
  try {
    return { ...fn(), calls };
  } finally {
    Object.keys = keys;
  }
}

describe("a patch's cost", () => {
  it("does not grow with the keys of the object it changes: 20,000 adds then deletes count keys once", () => {
    const N = 20_000;
    const base = deepFreeze(toJson({ keep: [1], m: { x: 0, y: 1 } }));
    const adds: SharedOp[] = Array.from({ length: N }, (_, i) => [["m", `k${i}`], i]);
    // Every other key goes first (the object is never down to one key), then the rest and the two it had.
    const deletes: SharedOp[] = [
      ...adds.filter((_, i) => i % 2 === 0).map(([path]): SharedOp => [path]),
      ...adds.filter((_, i) => i % 2 === 1).map(([path]): SharedOp => [path]),
      [["m", "x"]],
      [["m", "y"]],
    ];
    const { added, both, calls } = countingKeys(() => ({
      added: applyPatch(base, adds, jsonBytes(base)),
      both: applyPatch(base, [...adds, ...deletes], jsonBytes(base)),
    }));
    // A few calls per container copied (and frozen), not one per operation.
    expect(calls).toBeLessThan(20);
    const many: Record<string, number> = { x: 0, y: 1 };
    for (let i = 0; i < N; i++) many[`k${i}`] = i;
    expect(added.value).toEqual({ keep: [1], m: many });
    expect(added.bytes).toBe(jsonBytes(added.value));
    expect(added.patchBytes).toBe(jsonBytes(adds));
    expect(both.value).toEqual({ keep: [1], m: {} });
    expect(both.bytes).toBe(jsonBytes(both.value));
  });
});

describe("how deep a shared value nests", () => {
  it("refuses the two-proposal attack at the second proposal; the state stays usable and sendable", async () => {
    const { state, out } = await authority({ initial: {}, write: "player", patchRate: 0 });
    const p1 = player("p1");
    await expect(state.propose([[["a"], chain(MAX_DEPTH - 1)]], p1)).resolves.toEqual({ v: 1 });
    const deepest = Array.from({ length: MAX_DEPTH }, () => "a");
    const second = await state.propose([[deepest, chain(MAX_DEPTH - 10)]], p1);
    expect(second).toMatchObject({ x: "ValidationError" });
    expect((second as { m: string }).m).toContain(`deeper than ${MAX_DEPTH} levels`);
    expect(state.version).toBe(1);
    await expect(state.set({ b: 2 })).resolves.toBe(2);
    await expect(
      state.update((d) => {
        (d as Record<string, unknown>).c = 3;
      }),
    ).resolves.toBe(3);
    state.want({ ...ref, e: null, v: 0 }, p1);
    expect(out.snapshots).toHaveLength(1);
    for (const message of [...out.patches, ...out.snapshots])
      expect(() => snapshot(message, "socket-manager", "$sh")).not.toThrow();
  });

  it("takes a value exactly at MAX_DEPTH, which snapshots and patches carry; one level more is refused", async () => {
    const { state, out } = await authority({ initial: {}, write: "player", patchRate: 0 });
    const p1 = player("p1");
    await expect(state.propose([[["a"], chain(MAX_DEPTH - 1)]], p1)).resolves.toEqual({ v: 1 });
    const deepest = Array.from({ length: MAX_DEPTH }, () => "a");
    await expect(state.propose([[deepest, 2]], p1)).resolves.toEqual({ v: 2 });
    await expect(state.propose([[deepest, {}]], p1)).resolves.toMatchObject({ x: "ValidationError" });
    await expect(state.propose([[["b"], chain(MAX_DEPTH)]], p1)).resolves.toMatchObject({
      x: "ValidationError",
    });
    expect(() => toJson(state.value)).not.toThrow();
    state.want({ ...ref, e: null, v: 0 }, p1);
    expect(out.snapshots).toHaveLength(1);
    expect(out.patches).toHaveLength(2);
    for (const message of [...out.patches, ...out.snapshots])
      expect(() => snapshot(message, "socket-manager", "$sh")).not.toThrow();
  });

  it("takes an initial value up to MAX_DEPTH, which a snapshot and a patch replacing the whole value carry", () => {
    const initial = readSharedOptions("mod", "k", { initial: chain(MAX_DEPTH) }).initial;
    const messages = [
      { ...ref, e: "gm.1", v: 0, by: "gm", d: initial },
      { ...ref, e: "gm.1", f: 0, v: 1, by: "gm", o: [[[], initial]] },
    ];
    for (const message of messages) expect(() => snapshot(message, "socket-manager", "$sh")).not.toThrow();
    expect(() => readSharedOptions("mod", "k", { initial: chain(MAX_DEPTH + 1) })).toThrow(ValidationError);
  });
});

describe("proposals waiting on the authority", () => {
  /** A schema whose answers the test gives, one per check, in order. */
  function heldSchema() {
    const answers: (() => void)[] = [];
    const schema: StandardSchemaV1 = {
      "~standard": {
        version: 1,
        vendor: "test",
        validate: (value) => new Promise((resolve) => answers.push(() => resolve({ value }))),
      },
    };
    return { schema, answers };
  }
  const MAX_PATCH = 1000;
  /** A proposal of exactly MAX_PATCH bytes, different for each `i`. */
  const full = (i: number): SharedOp[] => [[["n"], String(i).padStart(MAX_PATCH - 12, "x")]];

  it("refuses a change over maxPatchBytes at once, without waiting behind the queue", async () => {
    const { schema } = heldSchema();
    const { state } = await authority({
      initial: { n: 0 },
      write: "player",
      schema,
      maxPatchBytes: MAX_PATCH,
    });
    expect(jsonBytes(full(0))).toBe(MAX_PATCH);
    const replies: ProposeReply[] = [];
    void state.propose([[["n"], 1]], player("p1")).then((r) => replies.push(r));
    const many: SharedOp[] = Array.from({ length: 100_000 }, (_, i) => [["n", `k${i}`], i]);
    void state.propose(many, player("p2")).then((r) => replies.push(r));
    await settle();
    expect(replies).toEqual([
      { x: "PayloadTooLargeError", m: expect.stringMatching(/maxPatchBytes is 1000/) },
    ]);
  });

  it("bounds the bytes waiting per user and in all, released as each change leaves the queue", async () => {
    const { schema, answers } = heldSchema();
    const { state } = await authority({
      initial: { n: 0 },
      write: "player",
      schema,
      maxPatchBytes: MAX_PATCH,
    });
    // The check of `initial` (when the options were read) is not waited for.
    answers.length = 0;
    const replies = new Map<string, ProposeReply[]>();
    let sent = 0;
    const propose = (user: string) => {
      const list = replies.get(user) ?? [];
      replies.set(user, list);
      void state.propose(full(++sent), player(user)).then((r) => list.push(r));
    };
    const refused = (user: string) =>
      (replies.get(user) ?? []).filter((r) => "x" in r && /too many bytes/.test(r.m)).length;
    // The first runs (its schema check waits), so it is no longer queued.
    propose("p0");
    await settle();
    for (let i = 0; i <= MAX_QUEUED_PATCHES_PER_USER; i++) propose("p1");
    await settle();
    expect(refused("p1")).toBe(1);
    // p0's change ends: p1's first leaves the queue, so p1 may queue one more.
    answers[0]?.();
    await settle();
    expect(answers).toHaveLength(2);
    propose("p1");
    await settle();
    expect(refused("p1")).toBe(1);
    const users = MAX_QUEUED_PATCHES / MAX_QUEUED_PATCHES_PER_USER;
    for (let u = 2; u <= users; u++) for (let i = 0; i < MAX_QUEUED_PATCHES_PER_USER; i++) propose(`p${u}`);
    propose("late");
    await settle();
    expect(refused("late")).toBe(1);
    for (let u = 2; u <= users; u++) expect(refused(`p${u}`)).toBe(0);
  });
});

describe("the work players' proposals cost the authority", () => {
  const KEYS = 1000;
  /** One change to a top object of KEYS keys: a copy of it (1 + KEYS) and the operation (1). */
  const COST = KEYS + 2;
  const wide = () => Object.fromEntries(Array.from({ length: KEYS }, (_, i) => [`k${i}`, 0]));
  const perUser = { rateLimit: 5 * COST, rateBurst: 10 * COST };
  const total = { rateLimit: 10 * COST, rateBurst: 15 * COST };
  const setup = () =>
    authority({ initial: wide(), write: "player" }, (clock) => new ProposalWork(clock, perUser, total));
  let n = 0;
  /** Proposes `count` changes from `user` one after another; the replies in order. */
  async function proposeMany(state: SharedStateCore, user: string, count: number, ops?: SharedOp[]) {
    const replies: ProposeReply[] = [];
    for (let i = 0; i < count; i++) replies.push(await state.propose(ops ?? [[["k1"], ++n]], player(user)));
    return replies;
  }
  const refusedForWork = (r: ProposeReply) => "x" in r && /faster than the GM can apply/.test(r.m);

  it("refuses a user in debt, counted, until the debt is paid back; other users go on", async () => {
    const { state, clock, counters } = await setup();
    const p1 = await proposeMany(state, "p1", 14);
    // The budget is spent by the tenth change: the eleventh goes into debt, the rest are refused.
    expect(p1.slice(0, 11).every((r) => "v" in r)).toBe(true);
    expect(p1.slice(11).every(refusedForWork)).toBe(true);
    expect(counters.dropped("rate-limited")).toBe(3);
    expect((await proposeMany(state, "p2", 1))[0]).toHaveProperty("v");
    // One change's debt (COST), paid back at 5 × COST a second.
    clock.advance(150);
    expect(refusedForWork((await proposeMany(state, "p1", 1))[0] as ProposeReply)).toBe(true);
    clock.advance(100);
    expect((await proposeMany(state, "p1", 1))[0]).toHaveProperty("v");
  });

  it("bounds everyone together: a user with budget left is refused while the total is in debt", async () => {
    const { state, clock } = await setup();
    await proposeMany(state, "p1", 11);
    const p2 = await proposeMany(state, "p2", 6);
    // 15 × COST in all: p2's fifth takes the total into debt.
    expect(p2.slice(0, 5).every((r) => "v" in r)).toBe(true);
    expect(refusedForWork(p2[5] as ProposeReply)).toBe(true);
    expect(refusedForWork((await proposeMany(state, "p3", 1))[0] as ProposeReply)).toBe(true);
    clock.advance(200);
    expect((await proposeMany(state, "p3", 1))[0]).toHaveProperty("v");
  });

  it("charges a change that fails half-way for the copies it made", async () => {
    const { state } = await setup();
    const failing: SharedOp[] = [
      [["k1"], 1],
      [["missing", "x"], 1],
    ];
    const replies = await proposeMany(state, "p1", 12, failing);
    // Each copies the top object before its second operation fails: the budget runs out all the same.
    expect(replies.slice(0, 10).every((r) => "x" in r && r.x === "ValidationError")).toBe(true);
    expect(replies.slice(-1).every(refusedForWork)).toBe(true);
  });

  it("charges measuring the value a change replaces or deletes, by what walking it costs", () => {
    const big = Object.fromEntries(Array.from({ length: 35_000 }, (_, i) => [`key${i}`, `value ${i}`]));
    const base = deepFreeze({ big, list: Array.from({ length: 40_000 }, (_, i) => i), s: 0 });
    const bytes = jsonBytes(base);
    const cost = (ops: SharedOp[]) => {
      const meter = { work: 0 };
      try {
        applyPatch(base, ops, bytes, meter);
      } catch {
        // A failed patch reports its work all the same.
      }
      return meter.work;
    };
    // An object past a thousand keys costs about half a microsecond a key to walk (a unit is about one).
    expect(cost([[["big"], 0]])).toBeGreaterThanOrEqual(35_000 / 2);
    expect(cost([[["big"]]])).toBeGreaterThanOrEqual(35_000 / 2);
    // The attack that fails at its second operation, so that it can be sent again and again.
    expect(
      cost([
        [["big"], 0],
        [["big", "x"], 1],
      ]),
    ).toBeGreaterThanOrEqual(35_000 / 2);
    // Cutting an array measures every element it removes.
    expect(cost([[["list", 0]]])).toBeGreaterThanOrEqual(40_000 / 64);
    // A small change to a small part stays cheap.
    expect(cost([[["s"], 1]])).toBeLessThan(10);
  });

  it("refuses a player who keeps replacing a large object, at the default budget", async () => {
    const big = Object.fromEntries(Array.from({ length: 35_000 }, (_, i) => [`key${i}`, i]));
    const { state, counters } = await authority({ initial: { big, s: 0 }, write: "player" });
    const attack: SharedOp[] = [
      [["big"], 0],
      [["big", "x"], 1],
    ];
    const replies = await proposeMany(state, "p1", 60, attack);
    // Each costs the GM about 20 ms; the budget is 500 ms at once.
    const refused = replies.filter(refusedForWork).length;
    expect(refused).toBeGreaterThanOrEqual(20);
    expect(counters.dropped("rate-limited")).toBe(refused);
  });

  it("charges the time a state's own write function and schema take over a player's proposal", async () => {
    let clock: FakeClock | undefined;
    /** A check that takes 50 ms of the test's clock. */
    const slow = () => clock?.set(clock.now() + 50);
    const schema: StandardSchemaV1 = {
      "~standard": {
        version: 1,
        vendor: "test",
        validate: (value) => {
          slow();
          return { value };
        },
      },
    };
    const write = () => {
      slow();
      return true;
    };
    for (const opts of [{ schema, write: "player" }, { write }]) {
      const { state, counters } = await authority({ initial: { a: 0 }, ...opts }, (c) => {
        clock = c;
        return new ProposalWork(c);
      });
      // 50 ms each, 5 ms of it paid back meanwhile (not the first's: the budget was full): the eleventh goes into
      // debt, the rest are refused.
      const replies = await proposeMany(state, "p1", 20, undefined);
      expect(replies.slice(0, 11).every((r) => "v" in r)).toBe(true);
      expect(replies.slice(11).every(refusedForWork)).toBe(true);
      expect(counters.dropped("rate-limited")).toBe(9);
    }
  });

  it("does not slow down changes to small values: 2,000 at once from one user with the default budget", async () => {
    const { state } = await authority({ initial: { a: { b: 0 } }, write: "player" });
    const replies = await proposeMany(state, "p1", 2000, undefined);
    expect(replies.filter((r) => "v" in r)).toHaveLength(2000);
  });
});

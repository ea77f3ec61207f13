/** SharedStateCore's rules over a fake host: no network, a manual clock, answers scripted per test. */
import { describe, expect, it } from "vitest";
import {
  NoGMError,
  PayloadTooLargeError,
  PermissionDeniedError,
  SocketManagerError,
  ValidationError,
} from "../../../src/contract/errors";
import type { FoundryUser, SharedChange, StandardSchemaV1 } from "../../../src/contract/types";
import type { Logger } from "../../../src/log";
import { Counters } from "../../../src/metrics/counters";
import { RateLimiter } from "../../../src/pipeline/rate-limit";
import { readSharedOptions } from "../../../src/shared/options";
import { ProposalWork } from "../../../src/shared/proposal-work";
import {
  MAX_QUEUED_PER_USER,
  PERSIST_EVERY_MS,
  PROPOSE_ATTEMPTS,
  RESYNC_EVERY_MS,
  type SharedHost,
  SharedStateCore,
  SNAPSHOTS_PER_WINDOW,
} from "../../../src/shared/state";
import {
  type FetchReply,
  MAX_CLAIM,
  MAX_VERSION,
  type PatchMessage,
  type PollReply,
  type ProposeMessage,
  type ProposeReply,
  readPatchMessage,
  readSnapshotMessage,
  type SnapshotMessage,
  type WantMessage,
} from "../../../src/shared/wire";
import { FakeClock } from "../support";

const user = (id: string, role: 1 | 2 | 3 | 4): FoundryUser => ({
  id,
  name: id,
  role,
  isGM: role >= 3,
  active: true,
});
const USERS = new Map(
  [user("gm", 4), user("gm2", 4), user("p1", 1), user("p2", 1), user("trusted", 2)].map((u) => [u.id, u]),
);
const quiet: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const ref = { m: "mod", k: "board" };

interface Board {
  n: number;
  list: number[];
  notes: Record<string, string>;
}
const INITIAL: Board = { n: 0, list: [], notes: {} };

/** Lets promise callbacks run (the fake host answers at once). */
const settle = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

function setup(me: string, opts: Record<string, unknown> = {}) {
  const clock = new FakeClock(1_000_000);
  const counters = new Counters();
  const out = {
    patches: [] as PatchMessage[],
    snapshots: [] as { message: SnapshotMessage; to: string[] }[],
    wants: [] as { message: WantMessage; to: string }[],
    proposals: [] as ProposeMessage[],
    saves: [] as { v: number; d: unknown }[],
  };
  const script = {
    authority: "gm" as string | null,
    poll: new Map<string, PollReply | null>(),
    fetch: new Map<string, FetchReply>(),
    stored: null as { v: number; d: unknown } | null,
    propose: (_m: ProposeMessage): Promise<ProposeReply> => Promise.resolve({ v: 1 }),
    budget: (_userId: string, _bytes: number): boolean => true,
  };
  let epochs = 0;
  const host: SharedHost = {
    me,
    clock,
    log: quiet,
    counters,
    requestTimeout: () => 10_000,
    authority: () => script.authority,
    user: (id) => USERS.get(id),
    started: () => Promise.resolve(),
    newEpoch: () => `${me}.${++epochs}`,
    sendPatch: (message) => void out.patches.push(structuredClone(message)),
    sendSnapshot: (message, to) => void out.snapshots.push({ message: structuredClone(message), to }),
    snapshotBudget: (userId, bytes) => script.budget(userId, bytes),
    proposalWork: new ProposalWork(clock),
    sendWant: (message, to) => void out.wants.push({ message, to }),
    propose: (message) => {
      out.proposals.push(message);
      return script.propose(message);
    },
    poll: () => Promise.resolve(script.poll),
    fetch: (_ref, userId) => Promise.resolve(script.fetch.get(userId) ?? null),
    loadPersisted: () => script.stored,
    savePersisted: (_ref, v, d) => void out.saves.push({ v, d }),
    forget: () => {},
  };
  const state = new SharedStateCore(
    ref,
    readSharedOptions("mod", "board", { initial: INITIAL, ...opts }),
    host,
  );
  const seen: SharedChange[] = [];
  state.subscribe((_value, change) => seen.push(change));
  const value = () => state.value as Board;
  return { clock, counters, out, script, state, seen, value };
}

/** A state on the authority, after its handover. */
async function authority(opts: Record<string, unknown> = {}) {
  const t = setup("gm", opts);
  t.state.setAuthority(true, "gm");
  await settle();
  expect(t.state.synced).toBe(true);
  // Holding the value for the first time is told once, though it is still `initial` at version 0.
  expect(t.seen).toEqual([{ version: 0, changedBy: "gm", patch: [[[], INITIAL]] }]);
  t.seen.length = 0;
  return t;
}

describe("on the authority", () => {
  it("applies its own changes at once and sends the changes of one window as one patch", async () => {
    const { state, out, clock, seen, value } = await authority();
    const versions = await Promise.all([
      state.update((d) => void (d as Board).list.push(1)),
      state.update((d) => void (d as Board).list.push(2)),
      state.update((d) => {
        (d as Board).n = 5;
      }),
    ]);
    expect(versions).toEqual([1, 2, 3]);
    expect(value()).toEqual({ n: 5, list: [1, 2], notes: {} });
    expect(seen.map((c) => [c.version, c.patch])).toEqual([
      [1, [[["list", 0], 1]]],
      [2, [[["list", 1], 2]]],
      [3, [[["n"], 5]]],
    ]);
    expect(out.patches).toEqual([]);
    clock.advance(50);
    expect(out.patches).toEqual([
      {
        ...ref,
        e: "gm.1",
        f: 0,
        v: 3,
        by: "gm",
        o: [
          [["n"], 5],
          [["list"], [1, 2]],
        ],
      },
    ]);
    // An update that changes nothing is version 3 again, and sends nothing.
    await expect(state.update(() => {})).resolves.toBe(3);
    clock.advance(50);
    expect(out.patches).toHaveLength(1);
  });

  it("patchRate 0 sends each change at once; another author's change closes the window first", async () => {
    const now = await authority({ patchRate: 0, write: "player" });
    await now.state.update((d) => {
      (d as Board).n = 1;
    });
    await now.state.update((d) => {
      (d as Board).n = 2;
    });
    expect(now.out.patches.map((p) => [p.f, p.v])).toEqual([
      [0, 1],
      [1, 2],
    ]);

    const windowed = await authority({ write: "player" });
    await windowed.state.update((d) => {
      (d as Board).n = 1;
    });
    await windowed.state.propose([[["notes", "p1"], "hi"]], USERS.get("p1") as FoundryUser);
    await windowed.state.update((d) => {
      (d as Board).n = 2;
    });
    windowed.clock.advance(50);
    expect(windowed.out.patches.map((p) => [p.by, p.f, p.v])).toEqual([
      ["gm", 0, 1],
      ["p1", 1, 2],
      ["gm", 2, 3],
    ]);
  });

  it("checks proposals: the write role, a predicate, the schema, the sizes; a refusal changes nothing", async () => {
    const p1 = USERS.get("p1") as FoundryUser;
    const gmOnly = await authority();
    await expect(gmOnly.state.propose([[["n"], 1]], p1)).resolves.toMatchObject({
      x: "PermissionDeniedError",
    });
    await expect(gmOnly.state.propose([[["n"], 1]], USERS.get("gm2") as FoundryUser)).resolves.toEqual({
      v: 1,
    });

    const positive: StandardSchemaV1<unknown, Board> = {
      "~standard": {
        version: 1,
        vendor: "test",
        validate: (v) =>
          (v as Board).n >= 0 ? { value: v as Board } : { issues: [{ message: "n < 0", path: ["n"] }] },
      },
    };
    const t = await authority({
      write: (sender: FoundryUser, change: { value: Board }) => sender.role >= 2 || change.value.n < 10,
      schema: positive,
      maxPatchBytes: 40,
      maxBytes: 60,
    });
    await expect(t.state.propose([[["n"], 50]], p1)).resolves.toMatchObject({ x: "PermissionDeniedError" });
    await expect(t.state.propose([[["n"], -1]], p1)).resolves.toEqual({
      x: "ValidationError",
      m: "the new value fails the schema: n < 0",
      i: [{ message: "n < 0", path: ["n"] }],
    });
    await expect(t.state.propose([[["notes", "x"], "y".repeat(40)]], p1)).resolves.toMatchObject({
      x: "PayloadTooLargeError",
    });
    await expect(t.state.propose([[["missing", "deep"], 1]], p1)).resolves.toMatchObject({
      x: "ValidationError",
    });
    await expect(t.state.propose([[["n"], 3]], p1)).resolves.toEqual({ v: 1 });
    await expect(t.state.propose([[["n"], 3]], p1)).resolves.toEqual({ v: 1 });
    expect(t.counters.dropped("permission")).toBe(1);
    expect(t.counters.dropped("schema")).toBe(1);
    expect(t.seen.map((c) => c.version)).toEqual([1]);
    await expect(
      t.state.update((d) => {
        (d as Board).n = -5;
      }),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(t.state.set({ notes: { big: "z".repeat(50) } })).rejects.toBeInstanceOf(
      PayloadTooLargeError,
    );
    expect(t.value().n).toBe(3);
  });

  it("holds at most MAX_QUEUED_PER_USER waiting changes per sender; the rest are refused at once", async () => {
    const hang: StandardSchemaV1 = {
      "~standard": { version: 1, vendor: "test", validate: () => new Promise(() => {}) },
    };
    const { state } = await authority({ write: "player", schema: hang });
    const p1 = USERS.get("p1") as FoundryUser;
    const p2 = USERS.get("p2") as FoundryUser;
    const replies: ProposeReply[] = [];
    for (let i = 1; i <= MAX_QUEUED_PER_USER + 20; i++)
      void state.propose([[["n"], i]], p1).then((r) => replies.push(r));
    void state.propose([[["n"], 1]], p2).then((r) => replies.push(r));
    await settle();
    // One runs (its schema never answers), MAX_QUEUED_PER_USER wait, the rest are refused; p2 still gets in.
    expect(replies).toHaveLength(19);
    expect(replies.filter((r) => !("x" in r && /too many changes/.test(r.m)))).toEqual([]);
    // Its own changes are never refused for the queue's size: they wait.
    let own = false;
    void state.update(() => {}).then(() => (own = true));
    await settle();
    expect(own).toBe(false);
  });

  it("answers a want with a snapshot (a few per user per window), and a claim of a higher version with a number past it", async () => {
    const { state, out, clock } = await authority();
    await state.update((d) => {
      (d as Board).n = 1;
    });
    const p1 = USERS.get("p1") as FoundryUser;
    for (let i = 0; i < 10; i++) state.want({ ...ref, e: null, v: 0 }, p1);
    expect(out.snapshots).toHaveLength(SNAPSHOTS_PER_WINDOW);
    // The pending patch leaves before the snapshot, so the two arrive in order.
    expect(out.patches).toHaveLength(1);
    expect(out.snapshots[0]).toEqual({
      message: { ...ref, e: "gm.1", v: 1, by: "gm", d: { ...INITIAL, n: 1 } },
      to: ["p1"],
    });
    state.want({ ...ref, e: "gm.1", v: 1 }, p1);
    expect(out.snapshots).toHaveLength(SNAPSHOTS_PER_WINDOW);

    clock.advance(1000);
    state.want({ ...ref, e: "old.7", v: 9 }, p1);
    expect(state.version).toBe(10);
    expect(out.patches.at(-1)).toMatchObject({ f: 1, v: 10, o: [] });
    expect(out.snapshots.at(-1)?.message).toMatchObject({ v: 10, d: { ...INITIAL, n: 1 } });
    state.want({ ...ref, e: "old.7", v: 50 }, p1);
    expect(state.version).toBe(10);
  });

  it("answers wants only within the asker's byte budget for snapshots; dropped asks are counted", async () => {
    const { state, out, clock, script, counters } = await authority();
    const limiter = new RateLimiter(() => ({ rateLimit: 1000, rateBurst: 2000 }), clock);
    const asked: number[] = [];
    script.budget = (userId, bytes) => {
      asked.push(bytes);
      return limiter.allow(userId, clock.now(), bytes);
    };
    const p1 = USERS.get("p1") as FoundryUser;
    const big = "x".repeat(900);
    await state.update((d) => {
      (d as Board).notes = { big };
    });
    const before = counters.dropped("shared-stale");
    // Each snapshot of this value is about 950 bytes: two fit the 2,000-byte burst, the third must wait.
    for (let i = 0; i < 3; i++) {
      state.want({ ...ref, e: null, v: 0 }, p1);
      clock.advance(400);
    }
    expect(out.snapshots).toHaveLength(2);
    expect(asked[0]).toBeGreaterThan(900);
    expect(counters.dropped("shared-stale")).toBe(before + 1);
    // The budget refills at 1,000 bytes a second.
    clock.advance(1000);
    state.want({ ...ref, e: null, v: 0 }, p1);
    expect(out.snapshots).toHaveLength(3);
  });

  it("persist: resumes from the saved value at its handover, and saves at most once per PERSIST_EVERY_MS", async () => {
    const t = setup("gm", { persist: true });
    t.script.stored = { v: 5, d: { n: 5, list: [], notes: {} } };
    t.state.setAuthority(true, "gm");
    await settle();
    expect([t.state.version, t.value().n]).toEqual([5, 5]);
    expect(t.out.saves).toEqual([]);
    for (let i = 0; i < 3; i++) await t.state.update((d) => void (d as Board).n++);
    expect(t.out.saves).toEqual([]);
    t.clock.advance(PERSIST_EVERY_MS);
    expect(t.out.saves).toEqual([{ v: 8, d: { n: 8, list: [], notes: {} } }]);
    // Stepping down saves what is pending at once.
    await t.state.update((d) => void (d as Board).n++);
    t.state.setAuthority(false, "gm2");
    expect(t.out.saves.at(-1)).toMatchObject({ v: 9 });
  });
});

describe("a handover", () => {
  it("takes the newest value a GM holds, numbered past every version reported", async () => {
    const t = setup("gm");
    t.script.poll = new Map<string, PollReply | null>([
      ["gm2", { e: "x.1", v: 8, s: 1 }],
      ["p1", { e: "x.1", v: 10, s: 1 }],
      ["p2", { e: null, v: 0, s: 0 }],
      ["trusted", null],
    ]);
    t.script.fetch.set("gm2", { e: "x.1", v: 8, d: { n: 8, list: [], notes: {} } });
    t.script.fetch.set("p1", { e: "x.1", v: 10, d: { n: 666, list: [], notes: {} } });
    t.state.setAuthority(true, "gm");
    await settle();
    expect(t.state.version).toBe(11);
    expect(t.value().n).toBe(8);
    expect(t.out.patches).toEqual([{ ...ref, pe: "x.1", e: "gm.1", f: 8, v: 11, by: "gm", o: [] }]);
    expect(t.out.snapshots.map((s) => s.to)).toEqual([["p1", "p2"]]);
    expect(t.seen.map((c) => [c.version, c.changedBy])).toEqual([[11, "gm2"]]);
  });

  it("takes a player's newer value only when `write` (and the schema) would let that player make it", async () => {
    const poll = new Map<string, PollReply | null>([["p1", { e: "x.1", v: 4, s: 1 }]]);
    const fetched: FetchReply = { e: "x.1", v: 4, d: { n: 4, list: [], notes: {} } };
    const free = setup("gm", { write: "player" });
    free.script.poll = poll;
    free.script.fetch.set("p1", fetched);
    free.state.setAuthority(true, "gm");
    await settle();
    expect([free.state.version, free.value().n]).toEqual([4, 4]);
    // A player's value reaches everyone as a snapshot, its source included (see the next test).
    expect(free.out.snapshots.map((s) => [s.message.v, s.to])).toEqual([[4, ["p1"]]]);

    const strict = setup("gm", { write: "trusted" });
    strict.script.poll = poll;
    strict.script.fetch.set("p1", fetched);
    strict.state.setAuthority(true, "gm");
    await settle();
    expect([strict.state.version, strict.value().n]).toEqual([5, 0]);
    expect(strict.out.snapshots.map((s) => [s.message.v, s.to])).toEqual([[5, ["p1"]]]);
  });

  it("never moves clients on by a patch from a player's answer: a lie about its epoch cannot split them", async () => {
    // p2 honestly holds x.1 at 4; p1 claims 5 to be asked first, then answers a value of its own "at x.1, 4".
    const t = setup("gm", { write: "player" });
    t.script.poll = new Map<string, PollReply | null>([
      ["p1", { e: "x.1", v: 5, s: 1 }],
      ["p2", { e: "x.1", v: 4, s: 1 }],
    ]);
    t.script.fetch.set("p1", { e: "x.1", v: 4, d: { n: 666, list: [], notes: {} } });
    t.state.setAuthority(true, "gm");
    await settle();
    expect(t.value().n).toBe(666);
    // No move patch (which p2 would take from what it holds): both get the value the GM now holds.
    expect(t.out.patches.filter((p) => p.pe !== undefined)).toEqual([]);
    expect(t.out.snapshots.map((s) => [s.message.v, s.message.d, [...s.to].sort()])).toEqual([
      [6, t.value(), ["p1", "p2"]],
    ]);
  });
});

describe("on a replica", () => {
  async function replica(opts: Record<string, unknown> = {}) {
    const t = setup("p1", opts);
    t.state.setAuthority(false, "gm");
    expect(t.out.wants).toEqual([{ message: { ...ref, e: null, v: 0 }, to: "gm" }]);
    return t;
  }

  it("counts a want sent to it (it is not the authority) and answers nothing", async () => {
    const { state, out, counters } = await replica();
    const p2: FoundryUser = { id: "p2", name: "P2", role: 1, isGM: false, active: true };
    state.want({ ...ref, e: null, v: 0 }, p2);
    await settle();
    expect(counters.dropped("shared-stale")).toBe(1);
    expect(out.snapshots).toEqual([]);
  });

  it("shows `initial` until a snapshot, applies the patches that continue it, and never goes back", async () => {
    const { state, out, clock, seen, counters, value } = await replica();
    state.patch({ ...ref, e: "a.1", f: 3, v: 4, by: "gm", o: [[["n"], 4]] });
    expect([state.synced, state.version, value()]).toEqual([false, 0, INITIAL]);
    expect(out.wants).toHaveLength(1);

    state.snapshot({ ...ref, e: "a.1", v: 4, by: "gm", d: { n: 4, list: [1], notes: {} } });
    expect([state.synced, state.version, value().n]).toEqual([true, 4, 4]);
    expect(Object.isFrozen(value().list)).toBe(true);
    state.patch({ ...ref, e: "a.1", f: 3, v: 4, by: "gm", o: [[["n"], 4]] }); // old news
    state.patch({ ...ref, e: "a.1", f: 4, v: 6, by: "gm", o: [[["list", 1], 2]] });
    expect([state.version, value().list]).toEqual([6, [1, 2]]);
    expect(counters.dropped("shared-stale")).toBe(1);

    // A gap: asks again, after its back-off.
    state.patch({ ...ref, e: "a.1", f: 7, v: 8, by: "gm", o: [] });
    expect(state.version).toBe(6);
    expect(out.wants).toHaveLength(1);
    clock.advance(RESYNC_EVERY_MS);
    expect(out.wants.at(-1)).toEqual({ message: { ...ref, e: "a.1", v: 6 }, to: "gm" });

    // Lower than what it holds: refused, and the authority is told.
    state.snapshot({ ...ref, e: "b.1", v: 5, by: "gm", d: INITIAL });
    expect([state.version, value().n]).toEqual([6, 4]);
    // A handover move from exactly what it holds.
    state.patch({ ...ref, pe: "a.1", e: "b.1", f: 6, v: 9, by: "gm", o: [] });
    expect(state.version).toBe(9);
    state.patch({ ...ref, e: "b.1", f: 9, v: 10, by: "gm", o: [[["n"], 10]] });
    expect(value().n).toBe(10);
    expect(seen.map((c) => c.version)).toEqual([4, 6, 9, 10]);
  });

  it("a snapshot equal to `initial` at version 0 makes it synced and tells its subscribers once; a later equal one (a handover) does not", async () => {
    const { state, seen, value } = await replica();
    expect(seen).toEqual([]);
    state.snapshot({ ...ref, e: "a.1", v: 0, by: "gm", d: structuredClone(INITIAL) });
    expect([state.synced, state.version, value()]).toEqual([true, 0, INITIAL]);
    expect(seen).toEqual([{ version: 0, changedBy: "gm", patch: [[[], INITIAL]] }]);
    state.snapshot({ ...ref, e: "b.1", v: 0, by: "gm2", d: structuredClone(INITIAL) });
    expect(seen).toHaveLength(1);
  });

  it("sends its changes as proposals (arrays whole), waiting for the GM's value first; refusals come back typed", async () => {
    const { state, out, script } = await replica({ write: "player" });
    script.propose = () => Promise.resolve({ v: 3 });
    const done = state.update((d) => void (d as Board).list.push(1));
    await settle();
    expect(out.proposals).toEqual([]);
    state.snapshot({ ...ref, e: "a.1", v: 2, by: "gm", d: { n: 2, list: [7], notes: {} } });
    await settle();
    expect(out.proposals).toEqual([{ ...ref, o: [[["list"], [7, 1]]] }]);
    let resolved = false;
    void done.then(() => (resolved = true));
    await settle();
    expect(resolved).toBe(false); // until it holds version 3 itself
    state.patch({ ...ref, e: "a.1", f: 2, v: 3, by: "p1", o: [[["list", 1], 1]] });
    await expect(done).resolves.toBe(3);

    script.propose = () => Promise.resolve({ x: "PermissionDeniedError", m: "no" });
    await expect(state.set({ n: 1 })).rejects.toBeInstanceOf(PermissionDeniedError);
    script.propose = () =>
      Promise.resolve({ x: "ValidationError", m: "bad", i: [{ message: "bad", path: ["n"] }] });
    await expect(state.set({ n: 1 })).rejects.toMatchObject({
      name: "ValidationError",
      issues: [{ message: "bad" }],
    });
    script.propose = () => Promise.resolve({ x: "Odd", m: "odd" });
    await expect(state.set({ n: 1 })).rejects.toBeInstanceOf(SocketManagerError);
    script.authority = null;
    await expect(state.set({ n: 1 })).rejects.toBeInstanceOf(NoGMError);
  });

  it("tries a proposal again while the GM hands over (PROPOSE_ATTEMPTS in all), then gives up typed", async () => {
    const { state, out, script, clock } = await replica({ write: "player" });
    state.snapshot({ ...ref, e: "a.1", v: 1, by: "gm", d: INITIAL });
    script.propose = () => Promise.resolve({ x: "NoGMError", m: "handing over", r: 1 });
    const failed = state.set({ n: 1 }).catch((e: unknown) => e);
    for (let i = 0; i < 5; i++) {
      await settle();
      clock.advance(250);
    }
    expect(await failed).toBeInstanceOf(NoGMError);
    expect(out.proposals).toHaveLength(PROPOSE_ATTEMPTS);
  });
});

describe("versions stay below MAX_VERSION", () => {
  /** A replica fed what `t` sent, through the wire readers (which drop a version past MAX_VERSION). */
  function follow(t: ReturnType<typeof setup>) {
    const r = setup("p2");
    r.state.setAuthority(false, "gm");
    let patches = t.out.patches.length;
    let snapshots = t.out.snapshots.length;
    /** Patches first, then snapshots: call it after each step, as the two were sent. */
    const catchUp = () => {
      for (const p of t.out.patches.slice(patches)) {
        const message = readPatchMessage(p);
        if (message) r.state.patch(message);
      }
      for (const s of t.out.snapshots.slice(snapshots)) {
        const message = readSnapshotMessage(s.message);
        if (message && s.to.includes("p2")) r.state.snapshot(message);
      }
      patches = t.out.patches.length;
      snapshots = t.out.snapshots.length;
    };
    return { ...r, catchUp };
  }

  it("ignores a player's claim above MAX_CLAIM, counted; later changes still reach replicas", async () => {
    const t = await authority();
    const r = follow(t);
    t.state.want({ ...ref, e: null, v: 0 }, USERS.get("p2") as FoundryUser);
    r.catchUp();
    expect(r.state.synced).toBe(true);
    const p1 = USERS.get("p1") as FoundryUser;
    const stale = t.counters.dropped("shared-stale");

    t.state.want({ ...ref, e: "x", v: MAX_VERSION - 1 }, p1);
    expect(t.state.version).toBe(0);
    t.clock.advance(1000);
    t.state.want({ ...ref, e: "x", v: MAX_CLAIM + 12345 }, p1);
    expect(t.state.version).toBe(0);
    expect(t.counters.dropped("shared-stale")).toBe(stale + 2);

    await t.state.update((d) => {
      (d as Board).n = 2;
    });
    t.clock.advance(50);
    r.catchUp();
    expect([r.state.version, r.value().n]).toEqual([1, 2]);
  });

  it("a handover ignores a player's version above MAX_CLAIM (its poll answer or its fetched value), counted", async () => {
    const huge = setup("gm");
    huge.script.poll = new Map<string, PollReply | null>([
      ["gm2", { e: "x.1", v: 8, s: 1 }],
      ["p1", { e: "x.1", v: MAX_VERSION, s: 1 }],
    ]);
    huge.script.fetch.set("gm2", { e: "x.1", v: 8, d: { n: 8, list: [], notes: {} } });
    huge.state.setAuthority(true, "gm");
    await settle();
    expect([huge.state.version, huge.value().n]).toEqual([8, 8]);
    expect(huge.counters.dropped("shared-stale")).toBe(1);
    const r = follow(huge);
    huge.state.want({ ...ref, e: null, v: 0 }, USERS.get("p2") as FoundryUser);
    r.catchUp();
    await huge.state.update((d) => {
      (d as Board).n = 9;
    });
    huge.clock.advance(50);
    r.catchUp();
    expect([r.state.version, r.value().n]).toEqual([9, 9]);

    // A believable poll answer, then a fetched value numbered past MAX_CLAIM: not taken.
    const lying = setup("gm", { write: "player" });
    lying.script.poll = new Map<string, PollReply | null>([["p1", { e: "x.1", v: 4, s: 1 }]]);
    lying.script.fetch.set("p1", { e: "x.1", v: MAX_VERSION, d: { n: 666, list: [], notes: {} } });
    lying.state.setAuthority(true, "gm");
    await settle();
    expect([lying.state.version, lying.value().n]).toEqual([5, 0]);
    expect(lying.counters.dropped("shared-stale")).toBe(1);
    await expect(lying.state.set({ n: 1 })).resolves.toBe(6);
  });

  it("a GM's answer is trusted, but no change is committed past MAX_VERSION: it is refused, typed", async () => {
    const t = setup("gm", { write: "player" });
    t.script.poll = new Map<string, PollReply | null>([["gm2", { e: "x.1", v: MAX_VERSION, s: 1 }]]);
    t.script.fetch.set("gm2", { e: "x.1", v: MAX_VERSION, d: { n: 8, list: [], notes: {} } });
    t.state.setAuthority(true, "gm");
    await settle();
    expect([t.state.version, t.value().n]).toEqual([MAX_VERSION, 8]);

    const refused = await t.state.set({ n: 9 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SocketManagerError);
    expect((refused as SocketManagerError).moduleId).toBe("mod");
    expect((refused as SocketManagerError).message).toMatch(/mod "board".*highest version/);
    await expect(t.state.propose([[["n"], 9]], USERS.get("p1") as FoundryUser)).resolves.toMatchObject({
      x: "SocketManagerError",
    });
    t.clock.advance(50);
    expect([t.state.version, t.value().n]).toEqual([MAX_VERSION, 8]);
    expect(t.out.patches.every((p) => p.v <= MAX_VERSION)).toBe(true);
  });
});

import { describe, expect, it } from "vitest";
import { TimeoutError } from "../../../src/contract/errors";
import { Counters } from "../../../src/metrics/counters";
import type { Envelope, Kind } from "../../../src/pipeline/envelope";
import { FLAG_RELIABLE } from "../../../src/pipeline/envelope";
import type { Outgoing, SendOptions } from "../../../src/pipeline/outgoing";
import { ReliableInbox } from "../../../src/reliability/inbox";
import { RETRY_INITIAL_MS, RETRY_MAX_MS, ReliableSender } from "../../../src/reliability/reliable";
import { FakeClock } from "../support";

interface Sent {
  env: Envelope;
  /** A copy taken at send time (the sender may update the original's tags later). */
  copy: Envelope;
  opts: SendOptions;
  at: number;
}

function setup(opts: { random?: () => number; start?: number } = {}) {
  const clock = new FakeClock(opts.start ?? 10_000);
  const counters = new Counters();
  const sent: Sent[] = [];
  let q = 0;
  let online = true;
  const out = {
    envelope(k: Kind, c: string, e: string, d: unknown, t: string[] | undefined): Envelope {
      const env: Envelope = { q: ++q, k, c, e, a: clock.now() };
      if (d !== undefined) env.d = d;
      if (t !== undefined) env.t = t;
      return env;
    },
    send(env: Envelope, sendOpts: SendOptions) {
      sent.push({ env, copy: structuredClone(env), opts: sendOpts, at: clock.now() });
      return { bytes: 0, queued: false };
    },
  };
  const sender = new ReliableSender({
    out: out as unknown as Outgoing,
    clock,
    counters,
    random: opts.random ?? (() => 0),
    online: () => online,
  });
  const message = (data: unknown = { hp: 5 }) => out.envelope("msg", "mod", "evt", data, undefined);
  const settled = <T>(p: Promise<T>) => {
    const state: { value?: T; error?: unknown; done: boolean } = { done: false };
    p.then(
      (value) => {
        state.value = value;
        state.done = true;
      },
      (error: unknown) => {
        state.error = error;
        state.done = true;
      },
    );
    return state;
  };
  return {
    clock,
    counters,
    sent,
    sender,
    message,
    settled,
    setOnline: (on: boolean) => {
      online = on;
    },
  };
}

const alice = { userId: "alice", session: "sa1" };
const bob = { userId: "bob", session: "sb1" };
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("ReliableSender: sending", () => {
  it("numbers per recipient and sets f, t and o", () => {
    const t = setup();
    const env = t.message();
    const { queued } = t.sender.send(env, [alice, bob], 60_000);
    expect(queued).toBe(false);
    expect(t.sent).toHaveLength(1);
    expect(t.sent[0]!.env).toBe(env);
    expect(t.sent[0]!.opts.priority).toBe("normal");
    expect(env.f! & FLAG_RELIABLE).toBe(FLAG_RELIABLE);
    expect(env.t).toEqual(["alice", "bob"]);
    expect(env.o).toEqual({ alice: ["sa1", 1, 1], bob: ["sb1", 1, 1] });

    const second = t.message();
    t.sender.send(second, [bob], 60_000);
    expect(second.o).toEqual({ bob: ["sb1", 2, 1] });
    expect(second.t).toEqual(["bob"]);
    expect(t.sender.inFlight).toBe(2);
  });

  it("keeps other flags already set", () => {
    const t = setup();
    const env = t.message();
    env.f = 4;
    t.sender.send(env, [alice], 60_000);
    expect(env.f).toBe(4 | FLAG_RELIABLE);
  });

  it("reports queued when the outgoing path queued it", () => {
    const t = setup();
    const out = {
      envelope: () => ({ q: 1, k: "msg", c: "m", e: "e", a: 0 }),
      send: () => ({ bytes: 0, queued: true }),
    };
    const sender = new ReliableSender({
      out: out as unknown as Outgoing,
      clock: t.clock,
      counters: t.counters,
      random: () => 0,
      online: () => false,
    });
    expect(sender.send(t.message(), [alice], 1000).queued).toBe(true);
  });

  it("with no recipients resolves at once with [] and sends nothing", async () => {
    const t = setup();
    const result = t.sender.send(t.message(), [], 1000);
    expect(result.queued).toBe(false);
    await expect(result.acked).resolves.toEqual({ acked: [], missing: [] });
    expect(t.sent).toEqual([]);
    expect(t.sender.inFlight).toBe(0);
    expect(t.clock.pendingTimers).toBe(0);
  });
});

describe("ReliableSender: acks", () => {
  it("resolves with the acked list once every recipient acked, and stops retrying", async () => {
    const t = setup();
    const { acked } = t.sender.send(t.message(), [alice, bob], 60_000);
    const state = t.settled(acked);
    t.sender.ack("bob", "sb1", [1]);
    await flush();
    expect(state.done).toBe(false);
    t.sender.ack("alice", "sa1", [1]);
    await flush();
    expect(state).toEqual({ done: true, value: { acked: ["bob", "alice"], missing: [] } });
    expect(t.sender.inFlight).toBe(0);
    expect(t.clock.pendingTimers).toBe(0);
    t.clock.advance(100_000);
    expect(t.sent).toHaveLength(1);
    expect(t.counters.retries).toBe(0);
  });

  it("ignores repeated acks, acks for other numbers and acks from another session", async () => {
    const t = setup();
    const first = t.settled(t.sender.send(t.message(), [alice, bob], 60_000).acked);
    const second = t.settled(t.sender.send(t.message(), [alice], 60_000).acked);
    t.sender.ack("alice", "sa1", [1]);
    t.sender.ack("alice", "sa1", [1]);
    t.sender.ack("bob", "sb-other", [1]);
    t.sender.ack("bob", "sb1", [7]);
    await flush();
    expect(first.done).toBe(false);
    expect(second.done).toBe(false);
    t.sender.ack("alice", "sa1", [2]);
    t.sender.ack("bob", "sb1", [1]);
    await flush();
    expect(first.value).toEqual({ acked: ["alice", "bob"], missing: [] });
    expect(second.value).toEqual({ acked: ["alice"], missing: [] });
  });
});

describe("ReliableSender: retransmission", () => {
  it("retransmits only to the missing recipients, with the same tags but a new q and a fresh send time (a retry must not expire on arrival)", () => {
    const t = setup();
    const env = t.message({ x: 1 });
    t.sender.send(env, [alice, bob], 60_000);
    t.sender.ack("alice", "sa1", [1]);
    t.clock.advance(RETRY_INITIAL_MS);
    expect(t.sent).toHaveLength(2);
    const retry = t.sent[1]!.copy;
    expect(retry.q).not.toBe(env.q);
    expect(retry.q).toBeGreaterThan(env.q);
    expect(retry.a).toBe(t.clock.now());
    expect(retry.a).toBeGreaterThan(env.a);
    expect(retry.t).toEqual(["bob"]);
    expect(retry.o).toEqual({ bob: ["sb1", 1, 1] });
    expect(retry.f! & FLAG_RELIABLE).toBe(FLAG_RELIABLE);
    expect(retry).toMatchObject({ k: "msg", c: "mod", e: "evt", d: { x: 1 } });
    expect(t.sent[1]!.opts.priority).toBe("normal");
    expect(t.counters.retries).toBe(1);
  });

  it("backs off from RETRY_INITIAL_MS doubling up to RETRY_MAX_MS (random 0)", () => {
    const t = setup({ start: 0 });
    t.sender.send(t.message(), [alice], 120_000);
    t.clock.advance(40_000);
    const times = t.sent.slice(1).map((s) => s.at);
    // 300, 600, 1200, 2400, 4800, then 5000 each
    expect(RETRY_INITIAL_MS).toBe(300);
    expect(RETRY_MAX_MS).toBe(5000);
    expect(times).toEqual([300, 900, 2100, 4500, 9300, 14_300, 19_300, 24_300, 29_300, 34_300, 39_300]);
    expect(t.counters.retries).toBe(times.length);
    expect(new Set(t.sent.map((s) => s.copy.q)).size).toBe(t.sent.length);
  });

  it("applies jitter from the injected random source", () => {
    const t = setup({ start: 0, random: () => 0.5 });
    t.sender.send(t.message(), [alice], 120_000);
    t.clock.advance(6000);
    // each delay scaled by 1 - 0.5 * 0.5: 225, 450, 900, 1800, 3600
    expect(t.sent.slice(1).map((s) => s.at)).toEqual([225, 675, 1575, 3375]);
  });

  it("retries each message to its own missing recipients", () => {
    const t = setup({ start: 0 });
    t.sender.send(t.message("one"), [alice, bob], 60_000);
    t.sender.send(t.message("two"), [alice, bob], 60_000);
    t.sender.ack("alice", "sa1", [1]);
    t.sender.ack("bob", "sb1", [2]);
    t.clock.advance(RETRY_INITIAL_MS);
    const retries = t.sent.slice(2).map((s) => ({ d: s.copy.d, t: s.copy.t, o: s.copy.o }));
    expect(retries).toEqual([
      { d: "one", t: ["bob"], o: { bob: ["sb1", 1, 1] } },
      // alice acknowledged 1, so the floor she is sent is 2.
      { d: "two", t: ["alice"], o: { alice: ["sa1", 2, 2] } },
    ]);
  });

  it("offline: no retransmission, but retries keep being scheduled", () => {
    const t = setup({ start: 0 });
    t.sender.send(t.message(), [alice], 60_000);
    t.setOnline(false);
    t.clock.advance(2000); // retry slots at 300 and 900 pass while offline
    expect(t.sent).toHaveLength(1);
    expect(t.counters.retries).toBe(0);
    expect(t.clock.pendingTimers).toBe(2); // next retry and the deadline
    t.setOnline(true);
    t.clock.advance(100); // 2100: the third slot
    expect(t.sent.map((s) => s.at)).toEqual([0, 2100]);
    expect(t.counters.retries).toBe(1);
  });
});

describe("ReliableSender: timeout", () => {
  it("a peer that never acks holds nobody hostage: at the timeout it settles, naming who is missing", async () => {
    const t = setup({ start: 0 });
    const carol = { userId: "carol", session: "sc1" };
    const state = t.settled(t.sender.send(t.message(), [alice, bob, carol], 5000).acked);
    t.sender.ack("bob", "sb1", [1]);
    t.clock.advance(4999);
    await flush();
    expect(state.done).toBe(false);
    t.clock.advance(1);
    await flush();
    expect(state.done).toBe(true);
    expect(state.value).toEqual({ acked: ["bob"], missing: ["alice", "carol"] });
    expect(t.counters.dropped("reliable-timeout")).toBe(1);
    expect(t.sender.inFlight).toBe(0);
    expect(t.clock.pendingTimers).toBe(0);
    const sends = t.sent.length;
    t.clock.advance(60_000);
    expect(t.sent).toHaveLength(sends);
  });

  it("when nobody acked in time it rejects with TimeoutError naming them all", async () => {
    const t = setup({ start: 0 });
    const state = t.settled(t.sender.send(t.message(), [alice, bob], 5000).acked);
    t.clock.advance(5000);
    await flush();
    expect(state.error).toBeInstanceOf(TimeoutError);
    const error = state.error as TimeoutError;
    expect([...error.missing].sort()).toEqual(["alice", "bob"]);
    expect(error.moduleId).toBe("mod");
    expect(error.event).toBe("evt");
  });

  it("a late ack after the timeout changes nothing", async () => {
    const t = setup();
    const state = t.settled(t.sender.send(t.message(), [alice], 1000).acked);
    t.clock.advance(1000);
    t.sender.ack("alice", "sa1", [1]);
    await flush();
    expect(state.error).toBeInstanceOf(TimeoutError);
    expect(t.counters.dropped("reliable-timeout")).toBe(1);
  });
});

describe("ReliableSender: peer restart and abort", () => {
  it("peerRestarted renumbers for the new session and retransmits to that peer at once", async () => {
    const t = setup({ start: 0 });
    const one = t.settled(t.sender.send(t.message("one"), [alice, bob], 60_000).acked);
    const two = t.settled(t.sender.send(t.message("two"), [alice], 60_000).acked);
    t.sender.ack("bob", "sb1", [1]);
    t.sender.peerRestarted("alice", "sa2");
    const resent = t.sent.slice(2).map((s) => ({ d: s.copy.d, t: s.copy.t, o: s.copy.o, at: s.at }));
    expect(resent).toEqual([
      { d: "one", t: ["alice"], o: { alice: ["sa2", 1, 1] }, at: 0 },
      { d: "two", t: ["alice"], o: { alice: ["sa2", 2, 1] }, at: 0 },
    ]);
    // acks under the old session no longer count; under the new one they do
    t.sender.ack("alice", "sa1", [1, 2]);
    await flush();
    expect(one.done).toBe(false);
    t.sender.ack("alice", "sa2", [1, 2]);
    await flush();
    expect(one.value).toEqual({ acked: ["bob", "alice"], missing: [] });
    expect(two.value).toEqual({ acked: ["alice"], missing: [] });
  });

  it("later retries after a restart carry the new tags", () => {
    const t = setup({ start: 0 });
    t.sender.send(t.message(), [alice, bob], 60_000);
    t.sender.peerRestarted("alice", "sa2");
    t.clock.advance(RETRY_INITIAL_MS);
    const retry = t.sent.at(-1)!.copy;
    expect(retry.o).toEqual({ alice: ["sa2", 1, 1], bob: ["sb1", 1, 1] });
    expect(retry.t).toEqual(["alice", "bob"]);
  });

  it("peerRestarted for a peer that already acked sends nothing", () => {
    const t = setup();
    t.sender.send(t.message(), [alice, bob], 60_000);
    t.sender.ack("alice", "sa1", [1]);
    t.sender.peerRestarted("alice", "sa2");
    expect(t.sent).toHaveLength(1);
  });

  it("abort rejects everything in flight with the given error and cancels timers", async () => {
    const t = setup();
    const a = t.settled(t.sender.send(t.message(), [alice], 60_000).acked);
    const b = t.settled(t.sender.send(t.message(), [bob], 60_000).acked);
    const reason = new Error("shutting down");
    t.sender.abort(reason);
    await flush();
    expect(a.error).toBe(reason);
    expect(b.error).toBe(reason);
    expect(t.sender.inFlight).toBe(0);
    expect(t.clock.pendingTimers).toBe(0);
    t.clock.advance(100_000);
    expect(t.sent).toHaveLength(2);
    expect(t.counters.dropped("reliable-timeout")).toBe(0);
  });
});

describe("ReliableSender + ReliableInbox: an abandoned message leaves no gap", () => {
  it("after the sender gives up on n, the recipient still runs n+1 (the floor skips n)", async () => {
    const t = setup();
    const inbox = new ReliableInbox();
    const ran: unknown[] = [];
    const receive = (env: Envelope) => {
      const tag = env.o?.alice;
      if (!tag) throw new Error("no tag for alice");
      return inbox.receive("sender", "s1", "sa1", tag, () => ran.push(env.d));
    };
    // Message 1 never reaches alice (she is unreachable but not yet seen as gone), and times out.
    const first = t.settled(t.sender.send(t.message("one"), [alice], 1000).acked);
    t.setOnline(false);
    t.clock.advance(1000);
    await flush();
    expect(first.error).toBeInstanceOf(TimeoutError);
    // She is back; message 2 reaches her.
    t.setOnline(true);
    const second = t.sender.send(t.message("two"), [alice], 1000);
    const sentSecond = t.sent.at(-1)?.copy;
    if (!sentSecond) throw new Error("nothing sent");
    expect(receive(sentSecond)).toBe("deliver");
    expect(ran).toEqual(["two"]);
    t.sender.ack("alice", "sa1", [sentSecond.o?.alice?.[1] ?? 0]);
    await expect(second.acked).resolves.toEqual({ acked: ["alice"], missing: [] });
  });

  it("buffered messages below the floor still run, in order, before the new one", () => {
    const inbox = new ReliableInbox();
    const ran: number[] = [];
    const key = "sender";
    // 1 abandoned (never arrives); 2 and 3 arrive and wait for 1.
    expect(inbox.receive(key, "s1", "me", ["me", 2], () => ran.push(2))).toBe("buffered");
    expect(inbox.receive(key, "s1", "me", ["me", 3], () => ran.push(3))).toBe("buffered");
    // 4 says: everything below 2 is settled (floor 2).
    expect(inbox.receive(key, "s1", "me", ["me", 4, 2], () => ran.push(4))).toBe("deliver");
    expect(ran).toEqual([2, 3, 4]);
    // A late copy of 1 is now a duplicate, never run.
    expect(inbox.receive(key, "s1", "me", ["me", 1], () => ran.push(1))).toBe("duplicate");
    expect(ran).toEqual([2, 3, 4]);
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ClockEstimates, clockSample, Heartbeat, isPongPayload } from "../../../src/reliability/heartbeat";
import { DeferQueue, FakeClock } from "../support";

/** One ping/pong exchange: their clock = ours + `offset`; `out`/`back` are the legs, `work` the peer's time. */
function exchange(t0: number, offset: number, out: number, work: number, back: number) {
  const t1 = t0 + out + offset;
  const t2 = t1 + work;
  const t3 = t0 + out + work + back;
  return [t0, t1, t2, t3] as const;
}

describe("clockSample", () => {
  it("peer 600000 ms ahead with symmetric 10 ms legs: offset 600000, rtt 20", () => {
    expect(clockSample(...exchange(1_700_000_000_000, 600_000, 10, 0, 10))).toEqual({
      rtt: 20,
      offset: 600_000,
    });
    expect(clockSample(1000, 601_010, 601_010, 1020)).toEqual({ rtt: 20, offset: 600_000 });
  });

  it("a peer behind gives a negative offset", () => {
    expect(clockSample(...exchange(50_000, -30_000, 15, 3, 15))).toEqual({ rtt: 30, offset: -30_000 });
  });

  it("excludes the peer's processing time (t2 - t1) from the rtt", () => {
    expect(clockSample(1000, 601_010, 601_510, 1520)).toEqual({ rtt: 20, offset: 600_000 });
    expect(clockSample(...exchange(0, 0, 10, 2000, 10))).toEqual({ rtt: 20, offset: 0 });
  });

  it("asymmetric legs: the offset is off by exactly half the asymmetry", () => {
    // 30 ms out, 10 ms back: true offset 5000, estimate 5000 + (30 - 10) / 2
    expect(clockSample(...exchange(0, 5000, 30, 7, 10))).toEqual({ rtt: 40, offset: 5010 });
  });

  it("never reports a negative rtt", () => {
    // the peer claims it worked longer than the whole round trip took
    expect(clockSample(0, 100, 500, 50).rtt).toBe(0);
  });

  it("property: with symmetric legs the offset is exact and rtt is twice the leg", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2_000_000_000_000 }),
        fc.integer({ min: -86_400_000, max: 86_400_000 }),
        fc.integer({ min: 0, max: 60_000 }),
        fc.integer({ min: 0, max: 60_000 }),
        (t0, offset, leg, work) => {
          const s = clockSample(...exchange(t0, offset, leg, work, leg));
          expect(s.offset).toBe(offset);
          expect(s.rtt).toBe(2 * leg);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("property: with asymmetric legs the error is at most half the asymmetry (and at most rtt / 2)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2_000_000_000_000 }),
        fc.integer({ min: -86_400_000, max: 86_400_000 }),
        fc.integer({ min: 0, max: 60_000 }),
        fc.integer({ min: 0, max: 60_000 }),
        fc.integer({ min: 0, max: 60_000 }),
        (t0, offset, out, work, back) => {
          const s = clockSample(...exchange(t0, offset, out, work, back));
          expect(Math.abs(s.offset - offset)).toBeLessThanOrEqual(Math.abs(out - back) / 2);
          expect(Math.abs(s.offset - offset)).toBeLessThanOrEqual(s.rtt / 2);
          expect(s.rtt).toBe(out + back);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe("ClockEstimates", () => {
  it("keeps the offset of the lowest-RTT sample", () => {
    const c = new ClockEstimates();
    expect(c.add("u1", { rtt: 50, offset: 100 })).toEqual({ rtt: 50, offset: 100 });
    expect(c.add("u1", { rtt: 10, offset: 120 })).toEqual({ rtt: 10, offset: 120 });
    expect(c.add("u1", { rtt: 30, offset: 90 })).toEqual({ rtt: 10, offset: 120 });
    expect(c.best("u1")).toEqual({ rtt: 10, offset: 120 });
    expect(c.latestRtt("u1")).toBe(30);
  });

  it("considers only the last 8 samples", () => {
    const c = new ClockEstimates();
    c.add("u1", { rtt: 5, offset: 1 });
    for (let i = 0; i < 7; i++) c.add("u1", { rtt: 100 + i, offset: 2 + i });
    expect(c.best("u1")).toEqual({ rtt: 5, offset: 1 });
    expect(c.add("u1", { rtt: 200, offset: 50 })).toEqual({ rtt: 100, offset: 2 });
    expect(c.latestRtt("u1")).toBe(200);
  });

  it("honours a custom window size", () => {
    const c = new ClockEstimates(2);
    c.add("u1", { rtt: 1, offset: 1 });
    c.add("u1", { rtt: 9, offset: 9 });
    expect(c.add("u1", { rtt: 5, offset: 5 })).toEqual({ rtt: 5, offset: 5 });
  });

  it("keeps peers apart and forgets one on request", () => {
    const c = new ClockEstimates();
    c.add("u1", { rtt: 10, offset: 1 });
    c.add("u2", { rtt: 20, offset: 2 });
    expect(c.best("u1")).toEqual({ rtt: 10, offset: 1 });
    expect(c.best("u2")).toEqual({ rtt: 20, offset: 2 });
    c.forget("u1");
    expect(c.best("u1")).toBeUndefined();
    expect(c.latestRtt("u1")).toBeUndefined();
    expect(c.latestRtt("u2")).toBe(20);
  });

  it("property: best is the minimum RTT over the last 8, latestRtt the last", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ rtt: fc.integer({ min: 0, max: 5000 }), offset: fc.integer() }), {
          minLength: 1,
          maxLength: 40,
        }),
        (samples) => {
          const c = new ClockEstimates();
          for (const s of samples) c.add("u", s);
          const window = samples.slice(-8);
          expect(c.best("u")?.rtt).toBe(Math.min(...window.map((s) => s.rtt)));
          expect(window).toContainEqual(c.best("u"));
          expect(c.latestRtt("u")).toBe(samples.at(-1)?.rtt);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("isPongPayload", () => {
  it.each([[[1, 2, 3]], [[0, -5, 1.5]]])("accepts %j", (value) => {
    expect(isPongPayload(value)).toBe(true);
  });

  it.each([
    [null],
    [{}],
    [[1, 2]],
    [[1, 2, 3, 4]],
    [[1, "2", 3]],
    [[1, 2, null]],
    [[1, 2, Number.NaN]],
    [[1, Number.POSITIVE_INFINITY, 3]],
    [{ 0: 1, 1: 2, 2: 3, length: 3 }],
  ])("rejects %j", (value) => {
    expect(isPongPayload(value)).toBe(false);
  });
});

describe("Heartbeat", () => {
  type Sent = { kind: "ping" | "pong"; data: unknown; to: string[] | undefined; replyTo?: string };

  function setup(opts: { interval?: number; reachable?: boolean } = {}) {
    const clock = new FakeClock(1_000_000);
    const sent: Sent[] = [];
    const samples: { id: string; rtt: number; offset: number }[] = [];
    const state = { interval: opts.interval ?? 10_000, reachable: opts.reachable ?? true };
    const tasks = new DeferQueue();
    const hb = new Heartbeat({
      clock,
      defer: tasks.defer,
      interval: () => state.interval,
      reachable: () => state.reachable,
      state: () => "reconnecting",
      send: (kind, data, to, replyTo) => {
        sent.push(replyTo === undefined ? { kind, data, to } : { kind, data, to, replyTo });
      },
      onSample: (user, rtt, offset) => samples.push({ id: user.id, rtt, offset }),
    });
    return { clock, sent, samples, state, hb, tasks };
  }

  it("pings everyone once per interval after restart(), and stop() ends it", () => {
    const { clock, sent, hb } = setup({ interval: 10_000 });
    hb.restart();
    clock.advance(9_999);
    expect(sent).toHaveLength(0);
    clock.advance(1);
    expect(sent).toEqual([{ kind: "ping", data: 1_010_000, to: undefined }]);
    clock.advance(20_000);
    expect(sent).toHaveLength(3);
    hb.stop();
    clock.advance(60_000);
    expect(sent).toHaveLength(3);
    expect(clock.pendingTimers).toBe(0);
  });

  it("an interval of 0 turns the periodic ping off; restart() never stacks timers", () => {
    const { clock, sent, hb, state } = setup({ interval: 0 });
    hb.restart();
    expect(clock.pendingTimers).toBe(0);
    state.interval = 5_000;
    hb.restart();
    hb.restart();
    expect(clock.pendingTimers).toBe(1);
    clock.advance(5_000);
    expect(sent).toHaveLength(1);
  });

  it("sends nothing while peers cannot be reached", () => {
    const { clock, sent, hb } = setup({ interval: 1_000, reachable: false });
    hb.restart();
    hb.ping(["p1"]);
    clock.advance(5_000);
    expect(sent).toEqual([]);
  });

  it("answers a ping at the end of the task with [their send time, our receive time, our send time] to the sender only", () => {
    const { clock, sent, hb, tasks } = setup();
    clock.advance(5);
    expect(hb.answer(999_000, 1_000_002, "p1", "sess:7")).toBe(true);
    expect(sent).toEqual([]);
    tasks.endOfTask();
    expect(sent).toEqual([
      { kind: "pong", data: [999_000, 1_000_002, 1_000_005], to: ["p1"], replyTo: "sess:7" },
    ]);
    expect(hb.answer("soon", 1, "p1", "sess:8")).toBe(false);
    tasks.endOfTask();
    expect(sent).toHaveLength(1);
  });

  it("a flood of pings from one peer in one task gets one pong (to the latest); each peer gets its own", () => {
    const { sent, hb, tasks } = setup();
    for (let i = 0; i < 10_000; i++) hb.answer(i, 1_000_000, "p1", `sess:${i}`);
    hb.answer(5, 1_000_000, "p2", "other:1");
    tasks.endOfTask();
    expect(sent).toEqual([
      { kind: "pong", data: [9_999, 1_000_000, 1_000_000], to: ["p1"], replyTo: "sess:9999" },
      { kind: "pong", data: [5, 1_000_000, 1_000_000], to: ["p2"], replyTo: "other:1" },
    ]);
  });

  it("turns a pong into a sample: RTT and the best offset so far", () => {
    const { clock, samples, hb } = setup();
    hb.ping(undefined);
    // Sent at 1,000,000 (ours); the peer, 600,000 ms ahead, received and answered at once; back 20 ms later.
    clock.advance(20);
    expect(hb.pong([1_000_000, 1_600_010, 1_600_010], { id: "p1", name: "P1" })).toBe("measured");
    expect(samples).toEqual([{ id: "p1", rtt: 20, offset: 600_000 }]);
    expect(hb.clocks.latestRtt("p1")).toBe(20);
    expect(hb.pong([1, 2], { id: "p1", name: "P1" })).toBe("malformed");
    expect(samples).toHaveLength(1);
  });

  it("measures only pongs that answer a ping it sent, once per peer and ping: made-up ones are stale", () => {
    const { clock, samples, hb } = setup();
    const p1 = { id: "p1", name: "P1" };
    // No ping sent yet: a pong naming any send time is made up.
    expect(hb.pong([1_000_000, 1_000_000, 1_000_000], p1)).toBe("stale");
    hb.ping(undefined);
    clock.advance(10);
    expect(hb.pong([999_999, 1_000_005, 1_000_005], p1)).toBe("stale");
    expect(hb.pong([1_000_000, 1_000_005, 1_000_005], p1)).toBe("measured");
    // The same ping answered again by p1: one sample per peer and ping; p2 answers it once too.
    expect(hb.pong([1_000_000, 1_000_001, 1_000_001], p1)).toBe("stale");
    expect(hb.pong([1_000_000, 1_000_005, 1_000_005], { id: "p2", name: "P2" })).toBe("measured");
    expect(samples.map((s) => s.id)).toEqual(["p1", "p2"]);
  });

  it("refuses a pong whose times cannot be true: held longer than the round trip, backwards, or a clock a day off", () => {
    const { clock, samples, hb } = setup();
    const p1 = { id: "p1", name: "P1" };
    hb.ping(undefined);
    clock.advance(10);
    expect(hb.pong([1_000_000, 8e307, -8e307], p1)).toBe("malformed");
    expect(hb.pong([1_000_000, 1_000_005, 1_000_004], p1)).toBe("malformed");
    expect(hb.pong([1_000_000, 1_000_000, 1_000_011], p1)).toBe("malformed");
    expect(hb.pong([1_000_000, 1_000_000 + 86_400_001 * 2, 1_000_000 + 86_400_001 * 2], p1)).toBe(
      "malformed",
    );
    expect(samples).toEqual([]);
    // The ping can still be answered truly.
    expect(hb.pong([1_000_000, 1_000_003, 1_000_008], p1)).toBe("measured");
    expect(samples).toEqual([{ id: "p1", rtt: 5, offset: 0.5 }]);
  });

  it("probe() resolves with each peer's round trip, or an error within its timeout", async () => {
    const { clock, sent, hb } = setup();
    const results = hb.probe(
      [
        { id: "p1", name: "One" },
        { id: "p2", name: "Two" },
      ],
      2_000,
    );
    expect(sent).toEqual([{ kind: "ping", data: 1_000_000, to: ["p1", "p2"] }]);
    clock.advance(12);
    hb.pong([1_000_000, 1_000_006, 1_000_006], { id: "p1", name: "One" });
    clock.advance(2_000);
    expect(await results).toEqual([
      { userId: "p1", name: "One", ok: true, rttMs: 12 },
      { userId: "p2", name: "Two", ok: false, error: "no answer within 2000 ms" },
    ]);
    expect(clock.pendingTimers).toBe(0);
  });

  it("probe() while unreachable fails at once, naming the state", async () => {
    const { sent, hb } = setup({ reachable: false });
    expect(await hb.probe([{ id: "p1", name: "One" }], 2_000)).toEqual([
      { userId: "p1", name: "One", ok: false, error: "not connected (reconnecting)" },
    ]);
    expect(sent).toEqual([]);
  });
});

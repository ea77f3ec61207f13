/** The request tracker: every call settles, by answers, a hand-over or its own timeout, and leaves no timer behind. */
import { describe, expect, it } from "vitest";
import { type RemoteHandlerError, TimeoutError, ValidationError } from "../../../src/contract/errors";
import type { RequestResult } from "../../../src/contract/types";
import { errorFromOutcome, REMOTE_ERROR_LIMITS, RequestTracker } from "../../../src/services/request-tracker";
import { FakeClock } from "../support";

function setup() {
  const clock = new FakeClock(1_000);
  let failures = 0;
  const tracker = new RequestTracker(clock, () => failures++);
  const settled: Record<string, Map<string, RequestResult<unknown>>> = {};
  const open = (id: string, targets: string[], timeout: number) => {
    const { call, settled: done } = tracker.open({
      id,
      channel: "mod",
      event: "ask",
      data: 1,
      toGM: false,
      targets,
      timeout,
    });
    void done.then((results) => {
      settled[id] = results;
    });
    return call;
  };
  const flush = () => new Promise((r) => setTimeout(r, 0));
  return { clock, tracker, open, settled, flush, failures: () => failures };
}

describe("RequestTracker", () => {
  it("fails each call at its own deadline, a shorter one opened later first", async () => {
    const t = setup();
    t.open("long", ["gm"], 5_000);
    t.clock.advance(1_000);
    t.open("short", ["gm"], 1_000);
    t.clock.advance(999);
    await t.flush();
    expect(Object.keys(t.settled)).toEqual([]);
    t.clock.advance(1);
    await t.flush();
    expect(Object.keys(t.settled)).toEqual(["short"]);
    const short = t.settled.short?.get("gm");
    expect(short?.ok === false && short.error).toBeInstanceOf(TimeoutError);
    t.clock.advance(2_999);
    await t.flush();
    expect(t.settled.long).toBeUndefined();
    t.clock.advance(1);
    await t.flush();
    const long = t.settled.long?.get("gm");
    expect(long?.ok === false && long.error.message).toMatch(/no answer within 5000 ms from gm/);
    expect(t.failures()).toBe(2);
    expect(t.clock.pendingTimers).toBe(0);
  });

  it("a call answered before its deadline never times out, while another still does", async () => {
    const t = setup();
    const first = t.open("first", ["gm"], 1_000);
    t.open("second", ["gm"], 2_000);
    t.tracker.record(first, "gm", { ok: true, value: 42 });
    t.clock.advance(1_500);
    await t.flush();
    expect(t.settled.first?.get("gm")).toEqual({ ok: true, value: 42 });
    expect(t.settled.second).toBeUndefined();
    t.clock.advance(500);
    await t.flush();
    expect(t.settled.second?.get("gm")?.ok).toBe(false);
    expect(t.failures()).toBe(1);
  });

  it("one timer serves every deadline: a later deadline sets none, an earlier one moves it", () => {
    const t = setup();
    t.open("a", ["gm"], 1_000);
    t.open("b", ["gm"], 2_000);
    t.open("c", ["gm"], 1_500);
    expect(t.clock.pendingTimers).toBe(1);
    t.open("d", ["gm"], 500);
    expect(t.clock.pendingTimers).toBe(1);
  });

  it("once nothing is pending the timer fires for nothing and is not set again; none for a call without a timeout", async () => {
    const t = setup();
    const call = t.open("a", ["gm"], 1_000);
    expect(t.clock.pendingTimers).toBe(1);
    t.tracker.record(call, "gm", { ok: true, value: 1 });
    t.clock.advance(1_000);
    expect(t.clock.pendingTimers).toBe(0);
    const unbounded = t.open("b", ["gm"], Number.POSITIVE_INFINITY);
    expect(t.clock.pendingTimers).toBe(0);
    t.clock.advance(1_000_000);
    await t.flush();
    expect(t.settled.b).toBeUndefined();
    t.tracker.record(unbounded, "gm", { ok: true, value: 2 });
    await t.flush();
    expect(t.settled.b?.get("gm")).toEqual({ ok: true, value: 2 });
    expect(t.failures()).toBe(0);
  });

  it("shutdown fails every call and leaves no timer", async () => {
    const t = setup();
    t.open("a", ["gm"], 1_000);
    t.open("b", ["p1", "p2"], 2_000);
    t.tracker.failEverything((_call, userId) => new Error(`shut down before ${userId} answered`));
    expect(t.clock.pendingTimers).toBe(0);
    await t.flush();
    expect(t.settled.b?.get("p2")?.ok).toBe(false);
    expect(t.failures()).toBe(3);
  });

  it("thousands of calls answered in any order: each unanswered one times out once, exactly at its deadline", () => {
    const t = setup();
    const timeoutOf = (i: number) => 1_000 + ((i * 7919) % 1_000);
    const calls = Array.from({ length: 2_000 }, (_, i) => t.open(`c${i}`, ["gm"], timeoutOf(i)));
    // Every call but each tenth is answered, which also sweeps the cancelled deadlines out of the queue.
    calls.forEach((call, i) => {
      if (i % 10 !== 0) t.tracker.record(call, "gm", { ok: true, value: i });
    });
    const timedOutAt = new Map<number, number>();
    for (let ms = 1; ms <= 2_000; ms++) {
      t.clock.advance(1);
      calls.forEach((call, i) => {
        if (i % 10 === 0 && call.waiting.size === 0 && !timedOutAt.has(i)) timedOutAt.set(i, ms);
      });
    }
    expect(timedOutAt.size).toBe(200);
    for (const [i, at] of timedOutAt) expect(at).toBe(timeoutOf(i));
    expect(t.failures()).toBe(200);
    expect(t.tracker.size).toBe(0);
    expect(t.clock.pendingTimers).toBe(0);
  });

  it("a call handed to another user keeps its deadline", async () => {
    const t = setup();
    const call = t.open("r1", ["gm1"], 1_000);
    t.clock.advance(600);
    t.tracker.reassign(call, "gm1", "gm2", "r2");
    t.clock.advance(400);
    await t.flush();
    const result = t.settled.r1?.get("gm2");
    expect(result?.ok === false && result.error).toBeInstanceOf(TimeoutError);
  });
});

describe("errorFromOutcome", () => {
  const call = {
    id: "s:1",
    channel: "mod",
    event: "ask",
    data: 1,
    toGM: false,
    waiting: new Set<string>(),
    results: new Map(),
    timeout: 10_000,
  };

  it("keeps a remote error's text and issues within bounds, and only issues of the contract's shape", () => {
    const { text, issues, issueText } = REMOTE_ERROR_LIMITS;
    const payload = {
      code: "ValidationError",
      message: "m".repeat(1_000_000),
      issues: [
        null,
        5,
        { message: {}, path: "x" },
        { message: "bad x", path: ["x", 0] },
        { message: "i".repeat(10_000), path: [{ evil: true }] },
        ...Array.from({ length: 100_000 }, (_, i) => ({ message: `more ${i}` })),
      ],
    };
    const error = errorFromOutcome(payload, call, "p1", "p1") as ValidationError;
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message.length).toBeLessThan(text + 200);
    expect(error.issues).toHaveLength(issues);
    expect(error.issues[0]).toEqual({ message: "bad x", path: ["x", 0] });
    expect(error.issues[1]?.message.length).toBe(issueText + 1);
    expect(error.issues[1]?.path).toBeUndefined();
    for (const issue of error.issues) expect(typeof issue.message).toBe("string");
  });

  it("cuts a remote handler's message too", () => {
    const error = errorFromOutcome(
      { code: "RemoteHandlerError", message: "x".repeat(50_000) },
      call,
      "p1",
      "p1",
    ) as RemoteHandlerError;
    expect(error.remoteMessage.length).toBe(REMOTE_ERROR_LIMITS.text + 1);
  });
});

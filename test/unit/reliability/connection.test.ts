import { describe, expect, it } from "vitest";
import {
  type ConnectionLimits,
  ConnectionMonitor,
  STABLE_AFTER_MS,
} from "../../../src/reliability/connection";
import { FakeClock } from "../support";

type Event = { type: "probe" | "fallback" | "recovered" | "attempt"; at: number; n?: number };

function setup(overrides: Partial<ConnectionLimits> = {}, random: () => number = () => 0) {
  const limits: ConnectionLimits = {
    maxReconnectionAttempts: 5,
    initialReconnectionDelay: 1000,
    maxReconnectionDelay: 30_000,
    ...overrides,
  };
  const clock = new FakeClock(0);
  const log: Event[] = [];
  let onProbe: () => void = () => {};
  const monitor = new ConnectionMonitor(
    () => limits,
    clock,
    {
      probe: () => {
        log.push({ type: "probe", at: clock.now() });
        onProbe();
      },
      fallback: () => log.push({ type: "fallback", at: clock.now() }),
      recovered: () => log.push({ type: "recovered", at: clock.now() }),
      attempt: (n) => log.push({ type: "attempt", at: clock.now(), n }),
    },
    random,
  );
  const times = (type: Event["type"]) => log.filter((e) => e.type === type).map((e) => e.at);
  const setOnProbe = (fn: () => void) => {
    onProbe = fn;
  };
  return { monitor, clock, log, limits, times, setOnProbe };
}

describe("ConnectionMonitor: backoff while down", () => {
  it("probes at initialReconnectionDelay doubling (random 0 means no jitter)", () => {
    const t = setup({ maxReconnectionAttempts: 100 });
    t.monitor.disconnected();
    expect(t.times("probe")).toEqual([]);
    t.clock.advance(63_000);
    // delays 1000, 2000, 4000, 8000, 16000, 30000 (capped)
    expect(t.times("probe")).toEqual([1000, 3000, 7000, 15_000, 31_000, 61_000]);
    expect(t.log.filter((e) => e.type === "attempt").map((e) => e.n)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(t.monitor.failedAttempts).toBe(6);
  });

  it("applies jitter from the injected random source", () => {
    const t = setup({ maxReconnectionAttempts: 100 }, () => 0.5);
    t.monitor.disconnected();
    t.clock.advance(24_000);
    // default jitter 0.5 with random 0.5 scales each delay by 0.75: 750, 1500, 3000, 6000, 12000
    expect(t.times("probe")).toEqual([750, 2250, 5250, 11_250, 23_250]);
  });

  it("caps delays at maxReconnectionDelay", () => {
    const t = setup({
      maxReconnectionAttempts: 100,
      initialReconnectionDelay: 1000,
      maxReconnectionDelay: 3000,
    });
    t.monitor.disconnected();
    t.clock.advance(13_000);
    expect(t.times("probe")).toEqual([1000, 3000, 6000, 9000, 12_000]);
  });

  it("ignores a repeated disconnected() while already down", () => {
    const t = setup({ maxReconnectionAttempts: 100 });
    t.monitor.disconnected();
    t.clock.advance(500);
    t.monitor.disconnected();
    t.monitor.disconnected();
    expect(t.clock.pendingTimers).toBe(1);
    t.clock.advance(2600);
    expect(t.times("probe")).toEqual([1000, 3000]);
  });

  it("stops probing when a probe reconnects synchronously", () => {
    const t = setup();
    t.setOnProbe(() => t.monitor.connected());
    t.monitor.disconnected();
    t.clock.advance(100_000);
    expect(t.times("probe")).toEqual([1000]);
    expect(t.times("fallback")).toEqual([]);
  });

  it("reads the limits on every schedule, so configure() applies from the next delay it computes", () => {
    const t = setup({ maxReconnectionAttempts: 100 });
    t.monitor.disconnected();
    t.clock.advance(1000); // attempt 1; attempt 2 is already scheduled 2000 ms later
    t.limits.initialReconnectionDelay = 100;
    t.clock.advance(10_000);
    // then 100 * 2^2, 100 * 2^3, ...
    expect(t.times("probe").slice(0, 4)).toEqual([1000, 3000, 3400, 4200]);
  });
});

describe("ConnectionMonitor: fallback and recovery", () => {
  it("falls back exactly once after maxReconnectionAttempts, then probes every maxReconnectionDelay", () => {
    const t = setup();
    t.monitor.disconnected();
    t.clock.advance(30_999);
    expect(t.times("fallback")).toEqual([]);
    expect(t.monitor.fallenBack).toBe(false);
    t.clock.advance(1);
    expect(t.times("fallback")).toEqual([31_000]);
    expect(t.monitor.fallenBack).toBe(true);
    t.clock.advance(120_000);
    expect(t.times("fallback")).toEqual([31_000]);
    expect(t.times("probe")).toEqual([1000, 3000, 7000, 15_000, 31_000, 61_000, 91_000, 121_000, 151_000]);
  });

  it("fires fallback after the attempt and probe of the last allowed attempt", () => {
    const t = setup({ maxReconnectionAttempts: 2 });
    t.monitor.disconnected();
    t.clock.advance(3000);
    expect(t.log.map((e) => e.type)).toEqual(["attempt", "probe", "attempt", "probe", "fallback"]);
  });

  it("in fallback probes at maxReconnectionDelay even with jitter", () => {
    const t = setup({ maxReconnectionAttempts: 1 }, () => 0.9);
    t.monitor.disconnected();
    t.clock.advance(550 + 90_000);
    expect(t.times("fallback")).toEqual([550]);
    expect(t.times("probe")).toEqual([550, 30_550, 60_550, 90_550]);
  });

  it("connected() after fallback fires recovered once and stops probing", () => {
    const t = setup();
    t.monitor.disconnected();
    t.clock.advance(31_000);
    t.monitor.connected();
    t.monitor.connected();
    expect(t.times("recovered")).toEqual([31_000]);
    expect(t.monitor.fallenBack).toBe(false);
    const probes = t.times("probe").length;
    t.clock.advance(200_000);
    expect(t.times("probe")).toHaveLength(probes);
    expect(t.times("recovered")).toHaveLength(1);
  });

  it("does not fire recovered for a reconnect before fallback", () => {
    const t = setup();
    t.monitor.disconnected();
    t.clock.advance(3000);
    t.monitor.connected();
    t.clock.advance(100_000);
    expect(t.times("recovered")).toEqual([]);
    expect(t.times("fallback")).toEqual([]);
  });

  it("maxReconnectionAttempts 0 falls back at the first tick", () => {
    const t = setup({ maxReconnectionAttempts: 0 });
    t.monitor.disconnected();
    t.clock.advance(999);
    expect(t.log).toEqual([]);
    t.clock.advance(1);
    expect(t.times("fallback")).toEqual([1000]);
    expect(t.times("probe")).toEqual([1000]);
    t.clock.advance(30_000);
    expect(t.times("probe")).toEqual([1000, 31_000]);
    expect(t.times("fallback")).toEqual([1000]);
  });
});

describe("ConnectionMonitor: attempt counter and flapping", () => {
  it("resets the counter only once the connection has stayed up STABLE_AFTER_MS", () => {
    const t = setup();
    t.monitor.disconnected();
    t.clock.advance(3000);
    expect(t.monitor.failedAttempts).toBe(2);
    t.monitor.connected();
    t.clock.advance(STABLE_AFTER_MS - 1);
    expect(t.monitor.failedAttempts).toBe(2);
    t.clock.advance(1);
    expect(t.monitor.failedAttempts).toBe(0);
  });

  it("after a stable connection a new outage gets the full set of attempts from the first delay", () => {
    const t = setup();
    t.monitor.disconnected();
    t.clock.advance(7000); // 3 attempts
    t.monitor.connected();
    t.clock.advance(STABLE_AFTER_MS);
    const start = t.clock.now();
    t.monitor.disconnected();
    t.clock.advance(31_000);
    expect(t.times("probe").filter((at) => at > start)).toEqual(
      [1000, 3000, 7000, 15_000, 31_000].map((d) => start + d),
    );
    expect(t.times("fallback")).toEqual([start + 31_000]);
  });

  it("a flap (down again before STABLE_AFTER_MS) keeps counting: fallback after the remaining attempts", () => {
    const t = setup();
    t.monitor.disconnected();
    t.clock.advance(3000); // attempts 1 and 2
    t.monitor.connected();
    t.clock.advance(STABLE_AFTER_MS - 1);
    const start = t.clock.now();
    t.monitor.disconnected();
    expect(t.monitor.failedAttempts).toBe(2);
    // attempts 3, 4, 5 with delays 4000, 8000, 16000; fallback after the 5th
    t.clock.advance(28_000);
    expect(t.times("probe").filter((at) => at > start)).toEqual([
      start + 4000,
      start + 12_000,
      start + 28_000,
    ]);
    expect(t.times("fallback")).toEqual([start + 28_000]);
    // the stable timer of the short connection must not reset anything later
    t.clock.advance(STABLE_AFTER_MS);
    expect(t.monitor.failedAttempts).toBe(5);
  });

  it("a flap right after recovering from fallback falls back again after one attempt", () => {
    const t = setup();
    t.monitor.disconnected();
    t.clock.advance(31_000);
    t.monitor.connected();
    t.clock.advance(100);
    t.monitor.disconnected();
    t.clock.advance(30_000);
    expect(t.times("fallback")).toEqual([31_000, 61_100]);
    expect(t.times("recovered")).toEqual([31_000]);
  });
});

describe("ConnectionMonitor: stop", () => {
  it("cancels pending probes", () => {
    const t = setup();
    t.monitor.disconnected();
    t.clock.advance(1000);
    t.monitor.stop();
    expect(t.clock.pendingTimers).toBe(0);
    const before = t.log.length;
    t.clock.advance(1_000_000);
    expect(t.log).toHaveLength(before);
  });

  it("cancels the stability timer", () => {
    const t = setup();
    t.monitor.disconnected();
    t.clock.advance(3000);
    t.monitor.connected();
    t.monitor.stop();
    expect(t.clock.pendingTimers).toBe(0);
    t.clock.advance(STABLE_AFTER_MS * 2);
    expect(t.monitor.failedAttempts).toBe(2);
  });

  it("cancels probing in fallback", () => {
    const t = setup({ maxReconnectionAttempts: 0 });
    t.monitor.disconnected();
    t.clock.advance(1000);
    t.monitor.stop();
    t.clock.advance(1_000_000);
    expect(t.times("probe")).toEqual([1000]);
    expect(t.times("fallback")).toEqual([1000]);
  });
});

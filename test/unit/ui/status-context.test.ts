import { describe, expect, it } from "vitest";
import type { PeerInfo } from "../../../src/contract/types";
import {
  buildStatusContext,
  clockTime,
  ERRORS_SHOWN,
  SPARK_HEIGHT,
  SPARK_WIDTH,
  sparkline,
} from "../../../src/ui/status-context";
import { fakeMetrics, fakePeers, fakeStatus, localize } from "./fixtures";

const build = (over: Partial<Parameters<typeof buildStatusContext>[0]> = {}) =>
  buildStatusContext({ status: fakeStatus(), metrics: fakeMetrics(), peers: fakePeers(), ...over }, localize);

describe("sparkline", () => {
  it("is empty for no values", () => {
    expect(sparkline([], 100, 20)).toBe("");
  });

  it("draws one value as a level line across the middle", () => {
    expect(sparkline([5], 100, 20)).toBe("0,10 100,10");
  });

  it("draws flat values through the middle", () => {
    expect(sparkline([3, 3, 3], 100, 20)).toBe("0,10 50,10 100,10");
  });

  it("maps the lowest value to the bottom and the highest to the top, 1 px inside the box", () => {
    expect(sparkline([0, 10], 100, 20)).toBe("0,19 100,1");
    expect(sparkline([0, 5, 10], 100, 20)).toBe("0,19 50,10 100,1");
    expect(sparkline([20, 30, 25, 40], 240, 40)).toBe("0,39 80,20 160,29.5 240,1");
  });

  it("rounds coordinates to one decimal", () => {
    expect(sparkline([0, 1, 2, 3], 10, 10)).toBe("0,9 3.3,6.3 6.7,3.7 10,1");
  });
});

describe("buildStatusContext", () => {
  it("localises the state, its CSS class and the transport", () => {
    const ctx = build();
    expect(ctx.state).toBe("Live");
    expect(ctx.stateClass).toBe("live");
    expect(ctx.transport).toBe("Foundry socket");
    expect(ctx.version).toBe("1.2.3");
    expect(ctx.protocol).toBe(1);
    expect(ctx.channels).toBe("socket-manager, my-module");
  });

  it.each([
    ["initializing", "Starting", "starting"],
    ["connected", "Live", "live"],
    ["reconnecting", "Reconnecting", "reconnecting"],
    ["local-fallback", "Local", "local"],
  ] as const)("state %s reads %s", (state, word, cls) => {
    const ctx = build({ status: fakeStatus({ state }) });
    expect([ctx.state, ctx.stateClass]).toEqual([word, cls]);
  });

  it("shows a dash when there is no transport or channel yet", () => {
    const ctx = build({ status: fakeStatus({ transport: null, channels: [] }) });
    expect(ctx.transport).toBe("—");
    expect(ctx.channels).toBe("—");
    expect(build({ status: fakeStatus({ transport: "socketlib" }) }).transport).toBe("socketlib");
  });

  it("lists connected peers with localised roles and formatted RTT and clock offset", () => {
    const ctx = build();
    expect(ctx.peers).toEqual([
      {
        name: "Alice",
        role: "Player",
        hasModule: true,
        version: "1.2.3",
        mismatch: false,
        rtt: "42 ms",
        offset: "-3.3 ms",
      },
      {
        name: "Bob",
        role: "Trusted player",
        hasModule: false,
        version: "not detected",
        mismatch: false,
        rtt: "—",
        offset: "—",
      },
    ]);
  });

  it("signs positive clock offsets, flags a protocol mismatch, and names every role", () => {
    const peer = (role: number, extra = {}) => ({
      userId: `u${role}`,
      name: `U${role}`,
      // An out-of-range role (9) is what a newer Foundry could send: it must still render.
      role: role as PeerInfo["role"],
      isGM: role >= 3,
      active: true,
      hasModule: true,
      ...extra,
    });
    const ctx = build({
      peers: [peer(3, { clockOffsetMs: 12.6, protocol: 2 }), peer(4, { clockOffsetMs: 0 }), peer(9)],
    });
    expect(ctx.peers.map((p) => p.role)).toEqual(["Assistant GM", "Game master", "None"]);
    expect(ctx.peers.map((p) => p.offset)).toEqual(["+13 ms", "0 ms", "—"]);
    expect(ctx.peers.map((p) => p.mismatch)).toEqual([true, false, false]);
  });

  it("formats counters: bytes in KB, rates per second, messages per frame", () => {
    const { counters } = build();
    expect(counters.bytesOut).toBe("10 KB");
    expect(counters.bytesIn).toBe("2 KB");
    expect(counters.rateIn).toBe("12/s");
    expect(counters.rateOut).toBe("0.5/s");
    expect(counters.envelopesPerFrame).toBe("3");
    expect(counters.messagesSent).toBe(120);
    expect(counters.outboxDepth).toBe(6);
    expect(counters.pendingRequests).toBe(2);
    expect(counters.droppedTotal).toBe(15);
  });

  it("sorts drops by count, then by reason, and leaves out zeros", () => {
    expect(build().drops).toEqual([
      { reason: "rate-limited", count: "9" },
      { reason: "duplicate", count: "3" },
      { reason: "expired", count: "3" },
    ]);
    expect(build({ metrics: fakeMetrics({ dropped: {}, droppedTotal: 0 }) }).drops).toEqual([]);
  });

  it("gives p50/p95/p99 of round trip and one-way latency", () => {
    const ctx = build();
    expect(ctx.monitoring).toBe(true);
    expect(ctx.rtt).toEqual({ count: "60", p50: "25 ms", p95: "70 ms", p99: "80 ms" });
    expect(ctx.latency).toEqual({ count: "200", p50: "8.3 ms", p95: "31 ms", p99: "48 ms" });
  });

  it("has no latency rows when nothing was measured, and none at all when monitoring is off", () => {
    const empty = { count: 0, min: 0, max: 0, mean: 0, p50: 0, p95: 0, p99: 0 };
    const quiet = build({ metrics: fakeMetrics({ rttMs: empty, latencyMs: empty, recentRtt: [] }) });
    expect([quiet.monitoring, quiet.rtt, quiet.latency, quiet.sparkline]).toEqual([true, null, null, null]);
    const off = build({ metrics: fakeMetrics({ rttMs: null, latencyMs: null, recentRtt: [] }) });
    expect([off.monitoring, off.rtt, off.latency, off.sparkline]).toEqual([false, null, null, null]);
  });

  it("draws the recent RTT sparkline with its last, min and max", () => {
    expect(build().sparkline).toEqual({
      width: SPARK_WIDTH,
      height: SPARK_HEIGHT,
      points: "0,39 80,20 160,29.5 240,1",
      min: "20 ms",
      max: "40 ms",
      last: "40 ms",
    });
  });

  it("lists the newest errors first, at most ERRORS_SHOWN", () => {
    expect(build().errors).toEqual([
      { time: clockTime(Date.UTC(2024, 0, 1, 12, 0, 5)), message: "second error" },
      { time: clockTime(Date.UTC(2024, 0, 1, 12, 0, 0)), message: "first error" },
    ]);
    const many = Array.from({ length: 15 }, (_, i) => ({ at: i * 1000, message: `e${i}` }));
    const errors = build({ metrics: fakeMetrics({ recentErrors: many }) }).errors;
    expect(errors).toHaveLength(ERRORS_SHOWN);
    expect(errors[0]?.message).toBe("e14");
    expect(errors.at(-1)?.message).toBe("e5");
    expect(clockTime(Date.UTC(2024, 0, 1, 12, 0, 5))).toMatch(/^\d\d:\d\d:\d\d$/);
  });

  it("leaves no untranslated key behind", () => {
    for (const state of ["initializing", "connected", "reconnecting", "local-fallback"] as const) {
      for (const transport of ["socketlib", "native", "local", null] as const) {
        const json = JSON.stringify(build({ status: fakeStatus({ state, transport }) }));
        expect(json).not.toContain("SOCKET_MANAGER");
      }
    }
  });
});

import { describe, expect, it, vi } from "vitest";
import type { Api, EventInfo, PeerTestResult, SharedInfo } from "../../../src/contract/types";
import { createConsoleCommands } from "../../../src/debug/commands";
import { fakeBridgeStatus, fakeMetrics, fakePeers, fakeStatus } from "../ui/fixtures";

function setup(state: "initializing" | "connected" = "connected") {
  const status = fakeStatus({ state, transport: state === "initializing" ? null : "native" });
  const metrics = fakeMetrics();
  const peers = fakePeers();
  const events: EventInfo[] = [
    {
      moduleId: "my-module",
      event: "ping",
      handlers: 2,
      responder: false,
      received: 3,
      sent: 4,
      bytesIn: 10,
      bytesOut: 20,
    },
  ];
  const results: PeerTestResult[] = [
    { userId: "p1", name: "Alice", ok: true, rttMs: 12 },
    { userId: "p2", name: "Bob", ok: false, error: "no answer within 5000 ms" },
  ];
  const api = {
    status: vi.fn(() => status),
    metrics: vi.fn(() => metrics),
    peers: vi.fn(() => peers),
    events: vi.fn(() => events),
    test: vi.fn(async (_opts?: { timeout?: number }) => results),
    shared: vi.fn(() => shared),
    bridge: { status: vi.fn(() => bridge) } as unknown as Api["bridge"],
  };
  const shared: SharedInfo[] = [
    {
      moduleId: "tracker",
      key: "initiative",
      version: 7,
      bytes: 420,
      subscribers: 1,
      authority: false,
      synced: true,
      persist: false,
      resyncs: 0,
    },
  ];
  const bridge = fakeBridgeStatus();
  const out = { group: vi.fn(), groupEnd: vi.fn(), table: vi.fn() };
  const openWindow = vi.fn();
  const commands = createConsoleCommands(api, { console: out, openWindow });
  return { api, out, openWindow, commands, status, metrics, peers, events, results, shared, bridge };
}

describe("console commands", () => {
  it("socketStatus prints a group with the status, the active events, the peers, shared states and the bridge, and returns them", () => {
    const { commands, out, status, peers, openWindow, events, shared, bridge } = setup();
    events.push(
      { ...events[0]!, event: "idle", handlers: 0 },
      { ...events[0]!, event: "ask", handlers: 0, responder: true },
    );
    const result = commands.socketStatus();
    expect(result).toEqual({ status, peers, activeEvents: 2, shared, bridge });
    expect(out.group).toHaveBeenCalledTimes(1);
    expect(out.group.mock.calls[0]?.[0]).toBe(
      "Socket Manager | status: connected, native, 2 active events, bridge off",
    );
    expect(out.table.mock.calls.map((c) => c[0])).toEqual([
      { ...status, activeEvents: 2 },
      peers,
      shared,
      { state: "off", url: "", rttMs: undefined, queued: 0 },
    ]);
    expect(out.groupEnd).toHaveBeenCalledTimes(1);
    expect(openWindow).not.toHaveBeenCalled();
  });

  it("socketStatus({ window: true }) also opens the status window", () => {
    const { commands, openWindow } = setup();
    commands.socketStatus({ window: true });
    expect(openWindow).toHaveBeenCalledTimes(1);
  });

  it("works before the transport is chosen and reports the state initializing", () => {
    const { commands, out } = setup("initializing");
    expect(commands.socketStatus().status.state).toBe("initializing");
    expect(out.group.mock.calls[0]?.[0]).toBe(
      "Socket Manager | status: initializing, no transport, 1 active events, bridge off",
    );
  });

  it("socketMetrics prints counters, drops, latency, errors and the snapshot's time, and returns the snapshot", () => {
    const { commands, out, metrics } = setup();
    expect(commands.socketMetrics()).toBe(metrics);
    const tables = out.table.mock.calls.map((c) => c[0]);
    const at = new Date(metrics.at).toISOString();
    expect(tables[0]).toMatchObject({
      messagesSent: 120,
      droppedTotal: 15,
      rateIn: 12.34,
      rateOut: 0.5,
      lastUpdate: at,
    });
    expect(tables[1]).toEqual(metrics.dropped);
    expect(tables[2]).toEqual({ rttMs: metrics.rttMs, latencyMs: metrics.latencyMs });
    expect(tables[3]).toEqual(metrics.recentErrors);
    expect(out.group).toHaveBeenCalledWith(`Socket Manager | metrics at ${at}`);
    expect(out.groupEnd).toHaveBeenCalledTimes(1);
  });

  it("socketEvents prints a table and returns the events", () => {
    const { commands, out, events } = setup();
    expect(commands.socketEvents()).toBe(events);
    expect(out.table).toHaveBeenCalledWith(events);
    expect(out.group).toHaveBeenCalledWith("Socket Manager | events");
  });

  it("socketTest runs a round trip, prints RTT per user and returns the results", async () => {
    const { commands, out, api, results } = setup();
    await expect(commands.socketTest({ timeout: 1000 })).resolves.toBe(results);
    expect(api.test).toHaveBeenCalledWith({ timeout: 1000 });
    expect(out.table).toHaveBeenCalledWith(results);
    expect(out.group).toHaveBeenCalledWith("Socket Manager | round trip per user");
    expect(out.groupEnd).toHaveBeenCalledTimes(1);
  });
});

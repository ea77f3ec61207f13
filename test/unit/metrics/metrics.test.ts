import { describe, expect, it } from "vitest";
import { HIGH_LATENCY_MS, MAX_EVENT_KEYS, Metrics, OTHER_EVENTS } from "../../../src/metrics/metrics";

function setup(monitoringOn = true) {
  let now = 1_000_000;
  let monitoring = monitoringOn;
  const warnings: string[] = [];
  const metrics = new Metrics(
    () => now,
    () => monitoring,
    (message) => warnings.push(message),
  );
  return {
    metrics,
    warnings,
    at: (ms: number) => {
      now = ms;
    },
    advance: (ms: number) => {
      now += ms;
    },
    setMonitoring: (on: boolean) => {
      monitoring = on;
    },
  };
}

describe("Metrics per-event counts", () => {
  it("counts messages and bytes per module/event, in both directions", () => {
    const t = setup();
    t.metrics.sent("mod-a", "move", 100);
    t.metrics.sent("mod-a", "move", 50);
    t.metrics.received("mod-a", "move", 70);
    t.metrics.received("mod-b", "chat", 9);
    expect(t.metrics.eventCounts("mod-a", "move")).toEqual({
      sent: 2,
      received: 1,
      bytesOut: 150,
      bytesIn: 70,
    });
    expect(t.metrics.eventCounts("mod-b", "chat")).toEqual({ sent: 0, received: 1, bytesOut: 0, bytesIn: 9 });
    expect(t.metrics.eventCounts("mod-b", "move")).toBeUndefined();
    expect(t.metrics.snapshot().events).toEqual({
      "mod-a/move": { sent: 2, received: 1, bytesOut: 150, bytesIn: 70 },
      "mod-b/chat": { sent: 0, received: 1, bytesOut: 0, bytesIn: 9 },
    });
  });

  it("events that take turns, or differ only in module or only in event, each keep their own counts", () => {
    const t = setup();
    const calls: [string, string][] = [
      ["a", "x"],
      ["a", "y"],
      ["a", "x"],
      ["b", "x"],
      ["b", "x"],
      ["a", "x"],
    ];
    for (const [mod, ev] of calls) t.metrics.received(mod, ev, 1);
    expect(t.metrics.eventCounts("a", "x")?.received).toBe(3);
    expect(t.metrics.eventCounts("a", "y")?.received).toBe(1);
    expect(t.metrics.eventCounts("b", "x")?.received).toBe(2);
    expect(t.metrics.eventCounts("b", "y")).toBeUndefined();
  });

  it("snapshots copies: changing a snapshot does not change the metrics", () => {
    const t = setup();
    t.metrics.sent("m", "e", 1);
    const snap = t.metrics.snapshot();
    snap.events["m/e"]!.sent = 999;
    expect(t.metrics.eventCounts("m", "e")?.sent).toBe(1);
    t.metrics.sent("m", "e", 1);
    expect(snap.events["m/e"]!.sent).toBe(999);
  });

  it("reports in and out rates over the last 10 s", () => {
    const t = setup();
    for (let i = 0; i < 20; i++) t.metrics.sent("m", "e", 1);
    for (let i = 0; i < 5; i++) t.metrics.received("m", "e", 1);
    expect(t.metrics.snapshot().rate).toEqual({ in: 0.5, out: 2 });
    t.advance(10_000);
    expect(t.metrics.snapshot().rate).toEqual({ in: 0, out: 0 });
  });

  it("includes the counters in the snapshot", () => {
    const t = setup();
    t.metrics.counters.framesSent = 2;
    t.metrics.counters.envelopesOut = 10;
    t.metrics.counters.drop("duplicate", 3);
    const snap = t.metrics.snapshot();
    expect(snap.framesSent).toBe(2);
    expect(snap.envelopesPerFrame).toBe(5);
    expect(snap.dropped).toEqual({ duplicate: 3 });
    expect(snap.droppedTotal).toBe(3);
  });
});

describe("Metrics latency histograms", () => {
  it("records RTT and one-way latency when monitoring is on", () => {
    const t = setup();
    t.metrics.recordRtt("u1", "Alice", 40);
    t.metrics.recordRtt("u1", "Alice", 60);
    t.metrics.recordLatency("u1", "Alice", 25);
    const snap = t.metrics.snapshot();
    expect(snap.rttMs).toMatchObject({ count: 2, min: 40, max: 60, mean: 50 });
    expect(snap.latencyMs).toMatchObject({ count: 1, min: 25, max: 25, mean: 25 });
  });

  it("with performanceMonitoring off: histograms are null and nothing is recorded", () => {
    const t = setup(false);
    t.metrics.recordRtt("u1", "Alice", 40);
    t.metrics.recordLatency("u1", "Alice", 5000);
    t.metrics.recordRtt("u1", "Alice", 5000);
    const snap = t.metrics.snapshot();
    expect(snap.rttMs).toBeNull();
    expect(snap.latencyMs).toBeNull();
    expect(t.warnings).toEqual([]);
    t.setMonitoring(true);
    expect(t.metrics.snapshot().rttMs?.count).toBe(0);
    expect(t.metrics.snapshot().latencyMs?.count).toBe(0);
    expect(t.metrics.rtt.count).toBe(0);
    expect(t.metrics.latency.count).toBe(0);
  });

  it("keeps counting messages while monitoring is off", () => {
    const t = setup(false);
    t.metrics.sent("m", "e", 12);
    expect(t.metrics.snapshot().events["m/e"]).toEqual({ sent: 1, received: 0, bytesOut: 12, bytesIn: 0 });
  });
});

describe("Metrics high-latency warning", () => {
  it("warns above 1000 ms, not at it", () => {
    const t = setup();
    expect(HIGH_LATENCY_MS).toBe(1000);
    t.metrics.recordRtt("u1", "Alice", 1000);
    t.metrics.recordLatency("u1", "Alice", 1000);
    expect(t.warnings).toEqual([]);
    t.metrics.recordRtt("u1", "Alice", 1000.4);
    expect(t.warnings).toHaveLength(1);
  });

  it("names the peer, the kind and the rounded time", () => {
    const t = setup();
    t.metrics.recordRtt("u1", "Alice", 1234.6);
    t.metrics.recordLatency("u2", "Bob", 2500);
    expect(t.warnings).toHaveLength(2);
    expect(t.warnings[0]).toContain("Alice");
    expect(t.warnings[0]).toContain("round trip");
    expect(t.warnings[0]).toContain("1235 ms");
    expect(t.warnings[1]).toContain("Bob");
    expect(t.warnings[1]).toContain("one-way latency");
    expect(t.warnings[1]).toContain("2500 ms");
  });

  it("warns at most once per peer per minute", () => {
    const t = setup();
    t.at(0);
    t.metrics.recordRtt("u1", "Alice", 5000);
    t.at(30_000);
    t.metrics.recordRtt("u1", "Alice", 5000);
    t.at(59_999);
    t.metrics.recordLatency("u1", "Alice", 5000);
    expect(t.warnings).toHaveLength(1);
    t.at(60_000);
    t.metrics.recordLatency("u1", "Alice", 5000);
    expect(t.warnings).toHaveLength(2);
    expect(t.warnings[1]).toContain("one-way latency");
    t.at(60_001);
    t.metrics.recordRtt("u1", "Alice", 5000);
    expect(t.warnings).toHaveLength(2);
  });

  it("limits each peer separately", () => {
    const t = setup();
    t.metrics.recordRtt("u1", "Alice", 5000);
    t.metrics.recordRtt("u2", "Bob", 5000);
    t.metrics.recordLatency("u3", "Carol", 5000);
    t.metrics.recordRtt("u1", "Alice", 5000);
    t.metrics.recordRtt("u2", "Bob", 5000);
    expect(t.warnings).toHaveLength(3);
    expect(t.warnings.map((w) => ["Alice", "Bob", "Carol"].find((n) => w.includes(n)))).toEqual([
      "Alice",
      "Bob",
      "Carol",
    ]);
  });

  it("a low sample does not use up the minute", () => {
    const t = setup();
    t.metrics.recordRtt("u1", "Alice", 20);
    t.metrics.recordRtt("u1", "Alice", 3000);
    expect(t.warnings).toHaveLength(1);
  });

  it("still records the high samples it does not warn about", () => {
    const t = setup();
    t.metrics.recordRtt("u1", "Alice", 3000);
    t.metrics.recordRtt("u1", "Alice", 4000);
    expect(t.metrics.snapshot().rttMs).toMatchObject({ count: 2, max: 4000 });
  });
});

describe("per-event counters are bounded", () => {
  it(`past ${MAX_EVENT_KEYS} distinct events, new ones share the "${OTHER_EVENTS}" bucket; known ones keep counting`, () => {
    const m = new Metrics(
      () => 0,
      () => true,
      () => {},
    );
    for (let i = 0; i < MAX_EVENT_KEYS; i++) m.sent("mod", `e${i}`, 1);
    m.sent("mod", "one-too-many", 1);
    m.received("other", "x", 1);
    m.sent("mod", "e0", 1);
    const events = m.snapshot().events;
    expect(Object.keys(events)).toHaveLength(MAX_EVENT_KEYS + 1);
    expect(events[`${OTHER_EVENTS}/${OTHER_EVENTS}`]).toMatchObject({ sent: 1, received: 1 });
    expect(events["mod/e0"]?.sent).toBe(2);
  });
});

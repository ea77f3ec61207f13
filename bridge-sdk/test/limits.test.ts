import { describe, expect, it } from "vitest";
import { connect, FakeClock, startBridge, until } from "./helpers.js";

describe("bad frames", () => {
  it("drops a frame over maxFrameBytes, counts it, and keeps the connection", async () => {
    const { bridge, url } = await startBridge({ maxFrameBytes: 1024 });
    const client = await connect(url);
    let got = 0;
    bridge.on("big", () => got++);
    const frame = (size: number) => {
      const base = JSON.stringify({ type: "event", event: "big", data: "", at: 1 });
      return JSON.stringify({ type: "event", event: "big", data: "x".repeat(size - base.length), at: 1 });
    };
    expect(frame(1024).length).toBe(1024);
    client.send(frame(1024));
    client.send(frame(1025));
    // Multi-byte text is measured in UTF-8 bytes: 600 × "é" is 1200 bytes.
    client.send({ type: "event", event: "big", data: "é".repeat(600), at: 1 });
    await client.sync();
    expect(got).toBe(1);
    expect(bridge.metrics().dropped).toEqual({ oversize: 2 });
    expect(bridge.connections).toHaveLength(1);
  });

  it("closes with 1009 on a frame over twice maxFrameBytes", async () => {
    const { bridge, url } = await startBridge({ maxFrameBytes: 1024 });
    const client = await connect(url);
    client.send({ type: "event", event: "huge", data: "x".repeat(2100), at: 1 });
    expect((await client.closed).code).toBe(1009);
    expect(bridge.metrics().dropped).toEqual({ "too-large": 1 });
    expect(bridge.connections).toEqual([]);
  });

  it("drops malformed frames and counts them by reason, without closing", async () => {
    const { bridge, url } = await startBridge();
    const client = await connect(url);
    const frames = [
      "not json",
      "[1,2]",
      "null",
      '"hello"',
      '{"no":"type"}',
      '{"type":5}',
      '{"type":"nope"}',
      '{"type":"hello","v":1}',
      '{"type":"request","id":"1","kind":"k","data":1}',
      '{"type":"event","event":"","data":1,"at":1}',
      '{"type":"event","event":"e","data":1}',
      '{"type":"event","event":"e","data":1,"at":"now"}',
      `{"type":"event","event":"${"e".repeat(65)}","data":1,"at":1}`,
      '{"type":"events","events":{}}',
      '{"type":"response","id":"","ok":true}',
      '{"type":"response","id":"r1","ok":"yes"}',
      '{"type":"response","id":"r1","ok":false}',
      '{"type":"response","id":"r1","ok":false,"error":{"code":"X"}}',
      '{"type":"ping","id":"p"}',
      '{"type":"pong","at":1}',
    ];
    for (const f of frames) client.send(f);
    client.ws.send(Buffer.from([1, 2, 3]));
    client.send('{"type":"response","id":"never-sent","ok":true,"data":1}');
    await client.sync();
    expect(bridge.metrics().dropped).toEqual({
      malformed: 6,
      "unknown-type": 3,
      invalid: 11,
      binary: 1,
      "unknown-response": 1,
    });
    expect(bridge.connections).toHaveLength(1);
  });

  it("closes with 4009 at the 100th bad frame, not before", async () => {
    const { bridge, url } = await startBridge();
    const client = await connect(url);
    // Unknown responses and pongs do not count: they can be late answers.
    for (let i = 0; i < 20; i++) client.send({ type: "response", id: `late-${i}`, ok: true, data: null });
    for (let i = 0; i < 99; i++) client.send(i % 2 ? "{bad json" : { type: "mystery" });
    await client.sync();
    expect(bridge.connections).toHaveLength(1);
    client.send("{bad json");
    expect(await client.closed).toEqual({ code: 4009, reason: "too many bad frames" });
    expect(bridge.metrics().dropped).toEqual({ malformed: 50, "unknown-type": 50, "unknown-response": 20 });
    expect(bridge.connections).toEqual([]);
  });
});

describe("rate limit", () => {
  it("drops and counts frames over the token bucket; it refills with time", async () => {
    const clock = new FakeClock();
    const { bridge, url } = await startBridge({
      clock,
      pingInterval: 0,
      rateLimit: { perSecond: 10, burst: 5 },
    });
    const client = await connect(url);
    let got = 0;
    bridge.on("e", () => got++);
    for (let i = 0; i < 8; i++) client.send({ type: "event", event: "e", data: i, at: i });
    await until(() => bridge.metrics().framesIn === 1 + 8, "the 8 events");
    expect(got).toBe(5);
    expect(bridge.metrics().dropped).toEqual({ "rate-limited": 3 });
    clock.advance(100); // one token back: the sync ping gets through, the event after it does not
    await client.sync();
    client.send({ type: "event", event: "e", data: 9, at: 9 });
    await until(() => bridge.metrics().framesIn === 1 + 8 + 2, "the last event");
    expect(got).toBe(5);
    expect(bridge.metrics().dropped).toEqual({ "rate-limited": 4 });
  });

  it("allows 200 frames/s with bursts of 400 by default", async () => {
    const clock = new FakeClock();
    const { bridge, url } = await startBridge({ clock, pingInterval: 0 });
    const client = await connect(url);
    let got = 0;
    bridge.on("e", () => got++);
    for (let i = 0; i < 405; i++) client.send({ type: "event", event: "e", data: i, at: i });
    await until(() => bridge.metrics().framesIn === 1 + 405, "the burst");
    expect(got).toBe(400);
    clock.advance(1000); // 200 tokens back
    for (let i = 0; i < 199; i++) client.send({ type: "event", event: "e", data: i, at: i });
    await client.sync();
    expect(got).toBe(400 + 199);
    expect(bridge.metrics().dropped).toEqual({ "rate-limited": 5 });
  });
});

import { describe, expect, it } from "vitest";
import { connect, FakeClock, settlesAtOnce, startBridge } from "./helpers.js";

describe("ping and pong", () => {
  it("answers a client's ping with a pong carrying the same id and at", async () => {
    const { bridge, url } = await startBridge();
    const client = await connect(url);
    client.send({ type: "ping", id: "c-1", at: 424242 });
    expect(await client.next("pong")).toEqual({ type: "pong", id: "c-1", at: 424242 });
    expect(bridge.metrics().dropped).toEqual({});
  });

  it("bridge.ping() resolves with the round trip and records it as rttMs", async () => {
    const clock = new FakeClock();
    const { bridge, url } = await startBridge({ clock, pingInterval: 0 });
    const client = await connect(url);
    expect(bridge.connections[0]!.rttMs).toBeUndefined();
    const rtt = bridge.ping();
    const ping = await client.next("ping");
    expect(ping).toEqual({ type: "ping", id: expect.any(String), at: clock.now() });
    clock.advance(42);
    client.send({ type: "pong", id: ping.id, at: ping.at });
    expect(await rtt).toBe(42);
    expect(bridge.connections[0]!.rttMs).toBe(42);
  });

  it("bridge.ping() times out with TimeoutError when no pong comes", async () => {
    const clock = new FakeClock();
    const { bridge, url } = await startBridge({ clock, pingInterval: 0, requestTimeout: 300 });
    const client = await connect(url);
    const rtt = bridge.ping("world-a");
    const ping = await client.next("ping");
    clock.advance(299);
    expect(await settlesAtOnce(rtt)).toBe(false);
    clock.advance(1);
    await expect(rtt).rejects.toMatchObject({ name: "TimeoutError", kind: "ping", world: "world-a" });
    client.send({ type: "pong", id: ping.id, at: ping.at });
    await client.sync();
    expect(bridge.metrics().dropped).toEqual({ "unknown-pong": 1 });
  });

  it("pings every pingInterval and updates rttMs from the pongs", async () => {
    const clock = new FakeClock();
    const { bridge, url } = await startBridge({ clock, pingInterval: 1000 });
    const client = await connect(url);
    clock.advance(999);
    await client.sync();
    expect(client.unread).toEqual([]);
    clock.advance(1);
    const first = await client.next("ping");
    expect(first.at).toBe(clock.now());
    clock.advance(7);
    client.send({ type: "pong", id: first.id, at: first.at });
    await client.sync();
    expect(bridge.connections[0]!.rttMs).toBe(7);

    clock.advance(993);
    const second = await client.next("ping");
    expect(second.id).not.toBe(first.id);
    clock.advance(3);
    client.send({ type: "pong", id: second.id, at: second.at });
    await client.sync();
    expect(bridge.connections[0]!.rttMs).toBe(3);
  });

  it("forgets an unanswered interval ping when the next one is sent", async () => {
    const clock = new FakeClock();
    const { bridge, url } = await startBridge({ clock, pingInterval: 1000 });
    const client = await connect(url);
    clock.advance(1000);
    const first = await client.next("ping");
    clock.advance(1000);
    const second = await client.next("ping");
    client.send({ type: "pong", id: first.id, at: first.at });
    client.send({ type: "pong", id: second.id, at: second.at });
    await client.sync();
    expect(bridge.metrics().dropped).toEqual({ "unknown-pong": 1 });
    expect(bridge.connections[0]!.rttMs).toBe(0);
  });

  it("sends no pings when pingInterval is 0", async () => {
    const clock = new FakeClock();
    const { url } = await startBridge({ clock, pingInterval: 0 });
    const client = await connect(url);
    expect(clock.pending).toBe(0);
    clock.advance(120_000);
    await client.sync();
    expect(client.unread).toEqual([]);
  });
});

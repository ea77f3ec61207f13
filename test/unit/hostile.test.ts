/**
 * A hostile player with a raw socket, against one client's whole receive path (a manager over a hand-driven
 * socket): what it can make the victim hold stays bounded, and honest traffic still gets through.
 */
import { describe, expect, it } from "vitest";
import { createApi } from "../../src/api";
import type { FoundryUser } from "../../src/foundry/types";
import { SocketManager } from "../../src/manager";
import { MAX_SETS_PER_USER } from "../../src/pipeline/chunker";
import { encodeEnvelope, encodeFrame } from "../../src/pipeline/codec";
import type { Envelope } from "../../src/pipeline/envelope";
import { SOCKET_EVENT } from "../../src/transports/transport";
import { fakeEnv } from "./fake-env";
import { fakeSocket } from "./transports/fake-socket";

const USERS: FoundryUser[] = [
  { id: "gm", name: "GM", role: 4, isGM: true, active: true },
  { id: "p1", name: "Mallory", role: 1, isGM: false, active: true },
  { id: "p2", name: "Honest", role: 1, isGM: false, active: true },
];

function victim() {
  const socket = fakeSocket();
  const notes: string[] = [];
  const env = fakeEnv({
    me: "gm",
    users: USERS,
    socket,
    notify: (_level, message) => void notes.push(message),
    localize: (key, data) => `${key} ${JSON.stringify(data ?? {})}`,
  });
  const manager = new SocketManager({ env, config: { heartbeatInterval: 0 }, version: "test" });
  const api = createApi(manager);
  manager.start();
  return { socket, api, manager, notes };
}

function frame(session: string, envelopes: Envelope[]): string {
  return encodeFrame(session, envelopes.map(encodeEnvelope));
}

describe("a hostile player against the receive path", () => {
  it("chunk bomb: one ~740 KB frame of 12,000 fake chunk starts keeps the victim's memory bounded; honest messages still arrive", async () => {
    const v = victim();
    const got: unknown[] = [];
    v.api.channel("demo").on("hello", (d) => void got.push(d));
    const now = Date.now();
    const bomb: Envelope[] = [];
    for (let i = 1; i <= 12_000; i++) {
      bomb.push({ q: i, k: "chunk", c: "demo", e: "x", a: now, d: [1_000_000 + i, 0, 99_999, ""] });
    }
    const text = frame("evil", bomb);
    expect(text.length).toBeGreaterThan(500_000);
    expect(text.length).toBeLessThan(1_000_000);
    const before = process.memoryUsage().heapUsed;
    v.socket.fire(SOCKET_EVENT, text, "p1");
    // Invented sessions change nothing: the sets are charged to the user.
    v.socket.fire(SOCKET_EVENT, frame("evil2", bomb.slice(0, 2000)), "p1");
    const grown = process.memoryUsage().heapUsed - before;
    expect(grown).toBeLessThan(32 * 1024 * 1024);
    const metrics = v.api.metrics();
    expect(metrics.dropped.oversize).toBe(14_000 - MAX_SETS_PER_USER);
    v.socket.fire(
      SOCKET_EVENT,
      frame("honest", [{ q: 1, k: "msg", c: "demo", e: "hello", a: now, d: "hi" }]),
      "p2",
    );
    await Promise.resolve();
    expect(got).toEqual(["hi"]);
    v.manager.dispose();
  });

  it("a legitimate large payload from another player still completes while one player holds its whole chunk budget", async () => {
    const v = victim();
    const got: string[] = [];
    v.api.channel("demo").on("big", (d) => void got.push(d as string));
    const now = Date.now();
    const junk: Envelope[] = [];
    for (let i = 1; i <= MAX_SETS_PER_USER * 4; i++) {
      junk.push({ q: i, k: "chunk", c: "demo", e: "x", a: now, d: [500 + i, 0, 50, "y".repeat(100_000)] });
    }
    v.socket.fire(SOCKET_EVENT, frame("evil", junk.slice(0, 8)), "p1");
    v.socket.fire(SOCKET_EVENT, frame("evil", junk.slice(8)), "p1");
    // p2 sends a real 300 KB message in three chunks (the parent envelope, encoded, cut in pieces).
    const parent = encodeEnvelope({ q: 9, k: "msg", c: "demo", e: "big", a: now, d: "z".repeat(300_000) });
    const size = Math.ceil(parent.length / 3);
    const pieces = [0, 1, 2].map((i) => parent.slice(i * size, (i + 1) * size));
    for (const [i, piece] of pieces.entries()) {
      const chunk: Envelope = { q: 10 + i, k: "chunk", c: "demo", e: "big", a: now, d: [9, i, 3, piece] };
      v.socket.fire(SOCKET_EVENT, frame("honest", [chunk]), "p2");
    }
    await Promise.resolve();
    expect(got).toHaveLength(1);
    expect(got[0]?.length).toBe(300_000);
    v.manager.dispose();
  });

  it("messages to thousands of invented channels and events are counted in one bucket, never one counter each", () => {
    const v = victim();
    v.api.channel("demo").on("real", () => {});
    const now = Date.now();
    const flood: Envelope[] = [];
    for (let i = 1; i <= 5000; i++) flood.push({ q: i, k: "msg", c: `chan${i}`, e: `ev${i}`, a: now, d: 0 });
    v.socket.fire(SOCKET_EVENT, frame("evil", flood), "p1");
    v.socket.fire(SOCKET_EVENT, frame("ok", [{ q: 1, k: "msg", c: "demo", e: "real", a: now, d: 1 }]), "p2");
    const events = v.api.metrics().events;
    expect(Object.keys(events).sort()).toEqual(["(other)/(other)", "demo/real"]);
    expect(events["(other)/(other)"]?.received).toBe(5000);
    expect(v.api.metrics().dropped["no-channel"]).toBe(5000);
    v.manager.dispose();
  });

  it("a frame of 10,000 pings makes the victim send one frame, not thousands", async () => {
    const v = victim();
    await Promise.resolve();
    const before = v.socket.sent.length;
    const now = Date.now();
    const pings: Envelope[] = [];
    for (let i = 1; i <= 10_000; i++)
      pings.push({ q: i, k: "ping", c: "socket-manager", e: "$ping", a: now, d: now });
    v.socket.fire(SOCKET_EVENT, frame("evil", pings), "p1");
    for (let i = 0; i < 5; i++) await Promise.resolve();
    expect(v.socket.sent.length - before).toBe(1);
    expect(v.api.metrics().dropped["control-limited"]).toBe(10_000 - 100);
    v.manager.dispose();
  });

  it("5,000 hellos with new sessions and another protocol: one warning for the GM, no markup, a bounded answer", async () => {
    const v = victim();
    await Promise.resolve();
    const before = v.socket.sent.length;
    const now = Date.now();
    const hellos: Envelope[] = [];
    for (let i = 1; i <= 5000; i++) {
      const d = {
        v: i % 2 ? "<img src=x onerror=alert(1)>" : "9.9.9",
        p: 2,
        tr: "native",
        s: `sess${i}`,
        reply: 1,
      };
      hellos.push({ q: i, k: "hello", c: "socket-manager", e: "$hello", a: now, d });
    }
    v.socket.fire(SOCKET_EVENT, frame("evil", hellos), "p1");
    for (let i = 0; i < 5; i++) await Promise.resolve();
    expect(v.notes).toHaveLength(1);
    expect(v.notes.join("")).not.toContain("<");
    expect(v.socket.sent.length - before).toBeLessThanOrEqual(2);
    v.manager.dispose();
  });
});

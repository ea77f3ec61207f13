/** The bridge's client side over a fake WebSocket and a fake clock: who connects, the protocol, the policy. */
import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG } from "../../../src/config";
import { TransportError } from "../../../src/contract/errors";
import { FakeSocket, flush, setup } from "./fixture";

describe("BridgeClient: who connects", () => {
  it("stays off without a URL, a token, the active GM's role or a WebSocket; connects when all are there", () => {
    const { client, world } = setup();
    world.url = "";
    client.refresh();
    expect(client.state).toBe("off");
    expect(FakeSocket.made).toHaveLength(0);
    world.url = "ws://backend";
    world.authority = false;
    client.refresh();
    expect(client.state).toBe("off");
    world.authority = true;
    client.refresh();
    expect(client.state).toBe("connecting");
    expect(FakeSocket.made).toHaveLength(1);
    const none = setup({ socketClass: () => undefined });
    none.client.refresh();
    expect(none.client.state).toBe("off");
  });

  it("says hello with the token, world, user and version, and is connected only after the welcome", () => {
    const { client, socket } = setup();
    client.refresh();
    socket().open();
    expect(socket().sent).toEqual([
      {
        type: "hello",
        v: 1,
        token: "s3cret",
        world: "w1",
        user: "gm",
        module: "1.2.3",
        capabilities: ["request", "event", "ping"],
      },
    ]);
    expect(client.state).toBe("connecting");
    socket().serverSends({ type: "welcome", v: 1, server: "x", maxFrameBytes: 1000 });
    expect(client.state).toBe("connected");
    // The status never shows the token or a query string.
    expect(client.status().url).toBe("ws://127.0.0.1:9/foundry");
  });

  it("closes when this client stops being the active GM, dropping what was queued (counted)", async () => {
    const { client, socket, world, clock } = setup();
    client.refresh();
    socket().welcome();
    world.authority = false;
    client.emit("late", 1);
    client.refresh();
    flush(clock);
    expect(client.state).toBe("off");
    expect(socket().closed).not.toBeNull();
    expect(client.status().dropped["bridge-off"]).toBe(1);
    await expect(client.emit("after", 1)).rejects.toBeInstanceOf(TransportError);
    expect(client.status().dropped["bridge-off"]).toBe(2);
  });
});

describe("BridgeClient: requests from the backend", () => {
  it("reach only bridge handlers; answers carry the result or a typed error code; counted by kind", async () => {
    const { client, socket } = setup();
    client.handlers.add("sum", (d) => (d as { a: number; b: number }).a + (d as { a: number; b: number }).b);
    client.handlers.add("boom", () => {
      throw new Error("the dragon ate it");
    });
    client.handlers.add("typed", (d) => d, {
      schema: {
        "~standard": {
          version: 1,
          vendor: "test",
          validate: (v: unknown) =>
            typeof v === "number" ? { value: v * 10 } : { issues: [{ message: "expected a number" }] },
        },
      },
    });
    client.refresh();
    socket().welcome();
    socket().serverSends({ type: "request", id: "r1", kind: "sum", data: { a: 2, b: 3 } });
    socket().serverSends({ type: "request", id: "r2", kind: "nobody", data: null });
    socket().serverSends({ type: "request", id: "r3", kind: "boom", data: null });
    socket().serverSends({ type: "request", id: "r4", kind: "typed", data: "x" });
    socket().serverSends({ type: "request", id: "r5", kind: "typed", data: 4 });
    await Promise.resolve();
    await new Promise((r) => setImmediate(r));
    const answers = Object.fromEntries(
      socket()
        .ofType("response")
        .map((f) => [f.id, f]),
    );
    expect(answers.r1).toEqual({ type: "response", id: "r1", ok: true, data: 5 });
    expect(answers.r2).toMatchObject({ ok: false, error: { code: "NO_HANDLER" } });
    expect(answers.r3).toMatchObject({
      ok: false,
      error: { code: "HANDLER_ERROR", message: "the dragon ate it" },
    });
    expect(answers.r4).toMatchObject({
      ok: false,
      error: { code: "VALIDATION", message: "expected a number" },
    });
    expect(answers.r5).toEqual({ type: "response", id: "r5", ok: true, data: 40 });
    expect(client.status().requests).toEqual({
      sum: { ok: 1 },
      nobody: { NO_HANDLER: 1 },
      boom: { HANDLER_ERROR: 1 },
      typed: { VALIDATION: 1, ok: 1 },
    });
  });

  it("drops and counts malformed, unknown and oversized frames without closing", () => {
    const { client, socket } = setup();
    client.refresh();
    socket().welcome();
    socket().serverSends("{not json");
    socket().serverSends({ type: "teleport" });
    socket().serverSends({ type: "request", id: "", kind: "x" });
    socket().serverSends(
      JSON.stringify({ type: "request", id: "big", kind: "x", data: "y".repeat(1_100_000) }),
    );
    expect(client.status().dropped).toMatchObject({
      "bridge-malformed": 2,
      "bridge-unknown-type": 1,
      "bridge-too-large": 1,
    });
    expect(client.state).toBe("connected");
    expect(socket().closed).toBeNull();
  });

  it("answers the backend's ping, and measures its own round trip from the pong", () => {
    const { client, socket, clock } = setup({
      limits: () => ({ ...DEFAULT_CONFIG, heartbeatInterval: 1000 }),
    });
    client.refresh();
    socket().welcome();
    socket().serverSends({ type: "ping", id: "s1", at: 42 });
    expect(socket().ofType("pong")).toEqual([{ type: "pong", id: "s1", at: 42 }]);
    clock.advance(1000);
    const [ping] = socket().ofType("ping");
    expect(ping).toMatchObject({ id: "c1", at: 1_001_000 });
    clock.advance(35);
    socket().serverSends({ type: "pong", id: "c1", at: 1_001_000 });
    expect(client.status().rttMs).toBe(35);
  });
});

describe("BridgeClient: events and the reconnection policy", () => {
  it("batches queued events into one frame once welcomed", () => {
    const { client, socket, clock } = setup();
    client.refresh();
    for (let i = 0; i < 3; i++) client.emit("tick", i);
    socket().welcome();
    flush(clock);
    const [batch] = socket().ofType("events");
    const events = (batch?.events ?? []) as { event: string; data: number }[];
    expect(events.map((e) => e.data)).toEqual([0, 1, 2]);
    client.emit("one", { x: 1 });
    flush(clock);
    expect(socket().ofType("event")).toEqual([
      { type: "event", event: "one", data: { x: 1 }, at: 1_000_000 },
    ]);
    expect(client.status().eventsSent).toBe(4);
  });

  it("backs off 1, 2, 4, 8, 16 s, goes offline after 5 attempts with one notice, probes every 30 s, and delivers the queue on return", () => {
    const { client, socket, clock, notes } = setup();
    client.refresh();
    socket().welcome();
    const first = socket();
    first.drop();
    expect(client.state).toBe("reconnecting");
    client.emit("meanwhile", 1);
    const openedAt: number[] = [];
    const start = clock.now();
    for (let i = 0; i < 7; i++) {
      const before = FakeSocket.made.length;
      for (let guard = 0; guard < 100 && FakeSocket.made.length === before; guard++) clock.advance(500);
      openedAt.push(clock.now() - start);
      socket().drop();
    }
    expect(openedAt).toEqual([1000, 3000, 7000, 15_000, 31_000, 61_000, 91_000]);
    expect(client.state).toBe("offline");
    expect(notes).toEqual(["SOCKET_MANAGER.Notify.BridgeOffline"]);
    for (let guard = 0; guard < 100 && FakeSocket.made.length === 8; guard++) clock.advance(500);
    socket().welcome();
    flush(clock);
    expect(client.state).toBe("connected");
    expect(notes).toEqual(["SOCKET_MANAGER.Notify.BridgeOffline", "SOCKET_MANAGER.Notify.BridgeBack"]);
    expect(socket().ofType("event")).toMatchObject([{ event: "meanwhile", data: 1 }]);
  });

  it("a connection that lasts 5 s resets the backoff; one that drops sooner keeps counting", () => {
    const { client, socket, clock } = setup();
    client.refresh();
    socket().welcome();
    const reopenAfterDrop = () => {
      const before = FakeSocket.made.length;
      const start = clock.now();
      socket().drop();
      for (let guard = 0; guard < 100 && FakeSocket.made.length === before; guard++) clock.advance(500);
      return clock.now() - start;
    };
    expect(reopenAfterDrop()).toBe(1000);
    socket().welcome();
    clock.advance(4_500);
    expect(reopenAfterDrop()).toBe(2000);
    socket().welcome();
    clock.advance(5_000);
    expect(reopenAfterDrop()).toBe(1000);
  });

  it("cuts queued events into frames within the backend's frame limit, each frame exactly JSON of its events", () => {
    const { client, socket, clock } = setup();
    client.refresh();
    for (let i = 0; i < 40; i++) client.emit("tick", { i, note: "é".repeat(i % 7) });
    socket().open();
    socket().serverSends({ type: "welcome", v: 1, server: "small", maxFrameBytes: 300 });
    flush(clock);
    const frames = socket().raw.slice(1);
    expect(frames.length).toBeGreaterThan(3);
    for (const text of frames) expect(Buffer.byteLength(text)).toBeLessThanOrEqual(300);
    const got = socket()
      .sent.slice(1)
      .flatMap((f) => (f.type === "events" ? (f.events as unknown[]) : [f]));
    expect(got.map((e) => (e as { data: { i: number } }).data.i)).toEqual(
      Array.from({ length: 40 }, (_, i) => i),
    );
    for (const [n, text] of frames.entries()) {
      const frame = socket().sent[n + 1];
      expect(text).toBe(JSON.stringify(frame));
    }
  });

  it("keeps at most 1,000 events while down, dropping the oldest (counted)", () => {
    const { client, socket, clock } = setup();
    client.refresh();
    socket().welcome();
    socket().drop();
    for (let i = 0; i < 1005; i++) client.emit("e", i);
    expect(client.status()).toMatchObject({ queued: 1000, dropped: { "bridge-queue-overflow": 5 } });
    clock.advance(1000);
    socket().welcome();
    flush(clock);
    const sent = socket()
      .ofType("events")
      .flatMap((f) => (f.events as { data: number }[]).map((e) => e.data));
    expect(sent[0]).toBe(5);
    expect(sent).toHaveLength(1000);
  });

  it("a refused token stops the retries (one notice) until the token changes", () => {
    const { client, socket, clock, notes, world } = setup();
    client.refresh();
    socket().open();
    socket().drop(4001);
    expect(client.state).toBe("offline");
    expect(client.status().dropped["bridge-unauthorized"]).toBe(1);
    expect(notes).toEqual(["SOCKET_MANAGER.Notify.BridgeRefused"]);
    clock.advance(120_000);
    client.refresh();
    expect(FakeSocket.made).toHaveLength(1);
    world.token = "the right one";
    client.refresh();
    expect(FakeSocket.made).toHaveLength(2);
    socket().open();
    expect(socket().sent[0]).toMatchObject({ type: "hello", token: "the right one" });
  });

  it("a backend on another protocol version, or one that gave the world to another client, is not retried", () => {
    for (const [code, welcome] of [
      [4002, { type: "welcome", v: 2, server: "future", maxFrameBytes: 1000 }],
      [4004, null],
    ] as const) {
      const { client, socket, clock } = setup();
      client.refresh();
      socket().open();
      if (welcome) socket().serverSends(welcome);
      else socket().drop(code);
      expect(client.state).toBe("offline");
      clock.advance(120_000);
      expect(FakeSocket.made).toHaveLength(1);
    }
  });

  it("a backend that never welcomes is given up on after 10 s, then retried", () => {
    const { client, socket, clock } = setup();
    client.refresh();
    socket().open();
    clock.advance(10_000);
    expect(socket().closed).toEqual({ code: 4008, reason: "hello timeout" });
    expect(client.state).toBe("reconnecting");
    clock.advance(1000);
    expect(FakeSocket.made).toHaveLength(2);
  });
});

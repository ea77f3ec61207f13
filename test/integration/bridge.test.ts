/**
 * The bridge end to end: the Node SDK (bridge-sdk/) as the backend on 127.0.0.1, and simulated Foundry clients
 * running Socket Manager through src/entry.ts, the GMs with the bridge's URL and token in their settings and
 * `ws`'s WebSocket as the page's.
 */
import { afterEach, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { type Bridge, createBridge, NotConnectedError, RemoteError } from "../../bridge-sdk/src/index";
import type { BridgeSocketConstructor } from "../../src/bridge/host";
import { TransportError } from "../../src/contract/errors";
import {
  createWorld,
  type Peer,
  peerOf,
  STANDARD_USERS,
  startPeer,
  stopPeers,
  type World,
  waitFor,
} from "../harness";

const USERS = STANDARD_USERS.filter((u) => ["gm1", "gm2", "p1"].includes(u.id));
const TOKEN = "correct horse battery staple";
/** Quick retries, so that a restart of the backend is noticed within a test. */
const FAST = { initialReconnectionDelay: 50, maxReconnectionDelay: 400, heartbeatInterval: 0 };

let world: World | null = null;
let bridge: Bridge | null = null;
const peers = new Map<string, Peer>();

afterEach(async () => {
  stopPeers(peers);
  peers.clear();
  await bridge?.close();
  bridge = null;
  await world?.close();
  world = null;
});

async function start(opts: { token?: string; url?: string; connect?: string[] } = {}) {
  bridge = createBridge({ token: TOKEN, path: "/foundry" });
  const { url } = await bridge.ready;
  world = await createWorld({ users: USERS, connect: opts.connect ?? ["gm1", "gm2", "p1"] });
  for (const [id, client] of world.clients) {
    peers.set(
      id,
      await startPeer(client, FAST, {
        settings: { bridgeUrl: opts.url ?? url, bridgeToken: opts.token ?? TOKEN },
        webSocket: WebSocket as unknown as BridgeSocketConstructor,
      }),
    );
  }
  return { bridge, world, url };
}

const api = (id: string) => peerOf(peers, id).api;

describe("the bridge, with the Node SDK as the backend", () => {
  it("only the active GM connects; a request reaches its bridge handler and comes back typed", async () => {
    const { bridge } = await start();
    api("gm1").bridge.handle("sum", (d: { a: number; b: number }) => d.a + d.b);
    api("gm2").bridge.handle("sum", () => -1);
    await waitFor(() => bridge.connections.length === 1 && api("gm1").bridge.state === "connected");
    expect(bridge.connections[0]).toMatchObject({ world: "harness-world", user: "gm1", module: "test" });
    expect(api("gm2").bridge.state).toBe("off");
    expect(api("p1").bridge.state).toBe("off");

    await expect(bridge.request("sum", { a: 2, b: 3 })).resolves.toBe(5);
    const missing = await bridge.request("teleport", {}).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(RemoteError);
    expect((missing as RemoteError).code).toBe("NO_HANDLER");
    // Channel handlers are never reachable from the backend.
    api("gm1")
      .channel("demo")
      .handle("secret", () => "leaked");
    await expect(bridge.request("secret", {})).rejects.toMatchObject({ code: "NO_HANDLER" });
    expect(api("gm1").bridge.status().requests).toMatchObject({
      sum: { ok: 1 },
      teleport: { NO_HANDLER: 1 },
      secret: { NO_HANDLER: 1 },
    });
  });

  it("events from the GM's client reach the backend, batched", async () => {
    const { bridge } = await start();
    const got: unknown[] = [];
    bridge.on("round", (data) => void got.push(data));
    await waitFor(() => api("gm1").bridge.state === "connected");
    for (let n = 1; n <= 50; n++) await api("gm1").bridge.emit("round", { n });
    await waitFor(() => got.length === 50);
    expect(got.map((d) => (d as { n: number }).n)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(bridge.metrics().framesIn).toBeLessThan(10);
  });

  it("when the active GM leaves, the next GM takes the connection", async () => {
    const { bridge, world } = await start();
    api("gm2").bridge.handle("who", () => "gm2");
    await waitFor(() => bridge.connections[0]?.user === "gm1");
    const gm1 = peers.get("gm1");
    peers.delete("gm1");
    if (gm1) stopPeers(new Map([["gm1", gm1]]));
    await world.leave("gm1");
    await waitFor(() => bridge.connections.length === 1 && bridge.connections[0]?.user === "gm2", {
      timeout: 5000,
      message: "gm2 holds the bridge",
    });
    await expect(bridge.request("who")).resolves.toBe("gm2");
  });

  it("a wrong token is refused: no connection, the GM's bridge offline without retrying, counted", async () => {
    const { bridge } = await start({ token: "guess" });
    await waitFor(() => api("gm1").bridge.state === "offline");
    expect(bridge.connections).toEqual([]);
    expect(api("gm1").bridge.status().dropped["bridge-unauthorized"]).toBe(1);
    await expect(bridge.request("sum", {})).rejects.toBeInstanceOf(NotConnectedError);
  });

  it("a backend restart: the GM reconnects with backoff and delivers what it emitted meanwhile", async () => {
    const first = await start();
    await waitFor(() => first.bridge.connections.length === 1);
    const port = Number(new URL(first.url).port);
    await first.bridge.close();
    await waitFor(() => api("gm1").bridge.state === "reconnecting");
    // Queued while the backend is away: each emit resolves at once.
    for (let n = 0; n < 5; n++) await api("gm1").bridge.emit("meanwhile", n);
    bridge = createBridge({ token: TOKEN, path: "/foundry", port });
    await bridge.ready;
    const got: unknown[] = [];
    bridge.on("meanwhile", (d) => void got.push(d));
    await waitFor(() => got.length === 5, { timeout: 5000, message: "the queued events arrive" });
    expect(got).toEqual([0, 1, 2, 3, 4]);
    expect(api("gm1").bridge.state).toBe("connected");
  });

  it("connect() with a URL and token for this session only, disconnect() until connect() again", async () => {
    const { bridge, url } = await start({ url: "", token: "" });
    api("gm1").bridge.handle("who", () => "gm1");
    expect(api("gm1").bridge.state).toBe("off");
    await expect(api("gm1").bridge.emit("early", 1)).rejects.toBeInstanceOf(TransportError);
    api("gm1").bridge.connect({ url, token: TOKEN });
    await waitFor(() => bridge.connections.length === 1 && api("gm1").bridge.state === "connected");
    await expect(bridge.request("who")).resolves.toBe("gm1");
    // The overrides were never written to the settings; other clients never connect.
    expect(peerOf(peers, "gm1").foundry.game.settings.get("socket-manager", "bridgeToken")).toBe("");
    expect(peerOf(peers, "gm1").foundry.game.settings.get("socket-manager", "bridgeUrl")).toBe("");
    expect(api("gm2").bridge.state).toBe("off");

    api("gm1").bridge.disconnect();
    expect(api("gm1").bridge.state).toBe("off");
    await waitFor(() => bridge.connections.length === 0);
    await expect(api("gm1").bridge.emit("after", 1)).rejects.toMatchObject({ name: "TransportError" });
    await expect(bridge.request("who")).rejects.toBeInstanceOf(NotConnectedError);

    const got: unknown[] = [];
    bridge.on("back", (d) => void got.push(d));
    api("gm1").bridge.connect({ url, token: TOKEN });
    await waitFor(() => api("gm1").bridge.state === "connected");
    await api("gm1").bridge.emit("back", 1);
    await waitFor(() => got.length === 1);
  });

  it("malformed and oversized frames from a backend are dropped and counted, and the connection stays", async () => {
    const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    const address = await new Promise<string>((resolve) =>
      server.on("listening", () => resolve(`ws://127.0.0.1:${(server.address() as { port: number }).port}`)),
    );
    server.on("connection", (socket) => {
      socket.once("message", () => {
        socket.send(JSON.stringify({ type: "welcome", v: 1, server: "raw", maxFrameBytes: 1_048_576 }));
        socket.send("{not json");
        socket.send(JSON.stringify({ type: "teleport" }));
        socket.send(JSON.stringify({ type: "request", id: "r1", kind: "big", data: "x".repeat(1_100_000) }));
      });
    });
    try {
      await start({ url: address, connect: ["gm1"] });
      await waitFor(() => (api("gm1").bridge.status().dropped["bridge-too-large"] ?? 0) === 1);
      expect(api("gm1").bridge.status().dropped).toMatchObject({
        "bridge-malformed": 1,
        "bridge-unknown-type": 1,
        "bridge-too-large": 1,
      });
      expect(api("gm1").bridge.state).toBe("connected");
    } finally {
      for (const client of server.clients) client.terminate();
      await new Promise((r) => server.close(r));
    }
  });
});

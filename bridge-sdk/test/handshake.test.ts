import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { type ConnectionInfo, createBridge, SDK_VERSION } from "../src/index.js";
import {
  cleanup,
  connect,
  FakeClock,
  helloFrame,
  open,
  startBridge,
  TestClient,
  TOKEN,
  until,
} from "./helpers.js";

describe("hello and welcome", () => {
  it("welcomes a valid hello and lists the connection", async () => {
    const clock = new FakeClock();
    const { bridge, url, port } = await startBridge({ clock, maxFrameBytes: 4096 });
    expect(url).toBe(`ws://127.0.0.1:${port}/`);
    expect(port).toBeGreaterThan(0);
    const seen: [ConnectionInfo, boolean][] = [];
    bridge.onConnection((c, connected) => seen.push([c, connected]));

    const client = await open(url);
    client.send(helloFrame({ world: "my-world", user: "U1", module: "1.2.3" }));
    const welcome = await client.next();
    expect(welcome).toEqual({
      type: "welcome",
      v: 1,
      server: `@socket-manager/bridge/${SDK_VERSION}`,
      maxFrameBytes: 4096,
    });
    const info = {
      world: "my-world",
      user: "U1",
      module: "1.2.3",
      capabilities: ["request", "event", "ping"],
      connectedAt: clock.now(),
    };
    expect(bridge.connections).toEqual([info]);
    expect(seen).toEqual([[info, true]]);
    expect(bridge.metrics()).toMatchObject({ framesIn: 1, framesOut: 1 });

    client.close();
    await client.closed;
    await until(() => seen.length === 2, "the disconnection");
    expect(seen[1]).toEqual([info, false]);
    expect(bridge.connections).toEqual([]);
  });

  it("sends the configured server name and the package version", async () => {
    const { url } = await startBridge({ name: "my-bot/2.0" });
    const client = await open(url);
    client.send(helloFrame());
    expect(await client.next()).toMatchObject({
      type: "welcome",
      server: "my-bot/2.0",
      maxFrameBytes: 1_048_576,
    });
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
      version: string;
    };
    expect(SDK_VERSION).toBe(pkg.version);
  });

  it("closes with 4001 on a wrong token and never lists the connection", async () => {
    const { bridge, url } = await startBridge();
    const seen: boolean[] = [];
    bridge.onConnection((_c, connected) => seen.push(connected));
    for (const token of ["wrong", `${TOKEN}x`, TOKEN.slice(0, -1)]) {
      const client = await open(url);
      client.send(helloFrame({ token }));
      expect(await client.closed).toEqual({ code: 4001, reason: "unauthorized" });
      expect(client.unread).toEqual([]);
    }
    expect(bridge.connections).toEqual([]);
    expect(seen).toEqual([]);
  });

  it("closes with 4002 on another protocol version", async () => {
    const { bridge, url } = await startBridge();
    const client = await open(url);
    client.send(helloFrame({ v: 2, somethingNew: true }));
    expect(await client.closed).toEqual({ code: 4002, reason: "unsupported version" });
    expect(bridge.connections).toEqual([]);
  });

  it.each([
    ["not JSON", "hello?"],
    ["not a hello", JSON.stringify({ type: "event", event: "x", data: 1, at: 1 })],
    ["v missing", JSON.stringify(helloFrame({ v: undefined }))],
    ["v not a number", JSON.stringify(helloFrame({ v: "1" }))],
    ["world missing", JSON.stringify(helloFrame({ world: undefined }))],
    ["world empty", JSON.stringify(helloFrame({ world: "" }))],
    ["user not a string", JSON.stringify(helloFrame({ user: 7 }))],
    ["module missing", JSON.stringify(helloFrame({ module: undefined }))],
    ["capabilities not an array", JSON.stringify(helloFrame({ capabilities: "request" }))],
    ["capability not a string", JSON.stringify(helloFrame({ capabilities: ["request", 1] }))],
    ["token empty", JSON.stringify(helloFrame({ token: "" }))],
    ["an array", JSON.stringify([helloFrame()])],
  ])("closes with 4003 on a bad hello (%s)", async (_what, text) => {
    const { bridge, url } = await startBridge();
    const client = await open(url);
    client.send(text);
    expect(await client.closed).toEqual({ code: 4003, reason: "bad hello" });
    expect(bridge.connections).toEqual([]);
  });

  it("closes with 4003 on a binary first frame", async () => {
    const { url } = await startBridge();
    const client = await open(url);
    client.ws.send(Buffer.from(JSON.stringify(helloFrame())));
    expect(await client.closed).toEqual({ code: 4003, reason: "bad hello" });
  });

  it("closes with 4008 when no hello comes within 10 s (fake clock)", async () => {
    const clock = new FakeClock();
    const { bridge, url } = await startBridge({ clock, pingInterval: 0 });
    const client = await open(url);
    await until(() => clock.pending === 1, "the hello timer");
    clock.advance(9_999);
    expect(clock.pending).toBe(1);
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
    clock.advance(1);
    expect(await client.closed).toEqual({ code: 4008, reason: "hello timeout" });
    expect(bridge.connections).toEqual([]);
  });

  it("cancels the hello timer once the hello is accepted", async () => {
    const clock = new FakeClock();
    const { bridge, url } = await startBridge({ clock, pingInterval: 0 });
    const client = await connect(url);
    expect(clock.pending).toBe(0);
    clock.advance(60_000);
    await client.sync();
    expect(bridge.connections).toHaveLength(1);
  });

  it("replaces the connection of a world when a second one says hello (4004)", async () => {
    const { bridge, url } = await startBridge();
    const seen: [string, boolean][] = [];
    bridge.onConnection((c, connected) => seen.push([c.user, connected]));
    const first = await connect(url, { user: "gm-1" });
    const pending = bridge.request("slow").catch((e: unknown) => e);
    await first.next("request");
    const second = await connect(url, { user: "gm-2" });
    expect(await first.closed).toEqual({ code: 4004, reason: "replaced" });
    expect(await pending).toMatchObject({ name: "NotConnectedError", world: "world-a", kind: "slow" });
    expect(bridge.connections.map((c) => c.user)).toEqual(["gm-2"]);
    expect(seen).toEqual([
      ["gm-1", true],
      ["gm-1", false],
      ["gm-2", true],
    ]);
    // The new connection is the one requests go to.
    const answer = bridge.request("who");
    const request = await second.next("request");
    second.send({ type: "response", id: request.id, ok: true, data: "gm-2 here" });
    expect(await answer).toBe("gm-2 here");
  });

  it("keeps one connection per world: other worlds are not replaced", async () => {
    const { bridge, url } = await startBridge();
    await connect(url, { world: "a" });
    await connect(url, { world: "b" });
    expect(bridge.connections.map((c) => c.world)).toEqual(["a", "b"]);
  });
});

describe("listening", () => {
  it("serves only its path, and any query string", async () => {
    const { bridge, port } = await startBridge({ path: "/foundry" });
    const client = await connect(`ws://127.0.0.1:${port}/foundry?x=1`);
    await client.sync();
    const refused = new WebSocket(`ws://127.0.0.1:${port}/other`);
    cleanup(() => refused.terminate());
    const status = await new Promise<number | undefined>((resolve) => {
      refused.on("unexpected-response", (_req, res) => resolve(res.statusCode));
      refused.on("error", () => resolve(undefined));
    });
    expect(status).toBe(404);
    expect(bridge.connections).toHaveLength(1);
  });

  it("attaches to an existing HTTP server and leaves it open on close", async () => {
    const server = createServer((_req, res) => res.end("plain http"));
    cleanup(() => new Promise<void>((resolve) => server.close(() => resolve())));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const bridge = createBridge({ server, path: "/bridge", token: TOKEN });
    const { url, port } = await bridge.ready;
    expect(url).toBe(`ws://127.0.0.1:${port}/bridge`);
    const client = await TestClient.connect(url);
    expect(bridge.connections).toHaveLength(1);
    await bridge.close();
    expect(await client.closed).toEqual({ code: 1001, reason: "server closing" });
    expect(server.listening).toBe(true);
    const res = await fetch(`http://127.0.0.1:${port}/`);
    expect(await res.text()).toBe("plain http");
  });

  it("close() closes connections with 1001, stops listening and is idempotent", async () => {
    const bridge = createBridge({ token: TOKEN, port: 0 });
    const { url } = await bridge.ready;
    const client = await TestClient.connect(url);
    const pending = bridge.request("never").catch((e: unknown) => e);
    await client.next("request");
    const closing = bridge.close();
    expect(bridge.close()).toBe(closing);
    expect(await pending).toMatchObject({ name: "NotConnectedError", code: "NOT_CONNECTED" });
    await closing;
    expect(await client.closed).toEqual({ code: 1001, reason: "server closing" });
    const error = await new Promise<Error>((resolve) => new WebSocket(url).on("error", resolve));
    expect(error.message).toMatch(/ECONNREFUSED/);
  });

  it("rejects bad options", () => {
    expect(() => createBridge({ token: "" })).toThrow(/token/);
    expect(() => createBridge({ token: "t", server: createServer(), port: 1 })).toThrow(/either server/);
    expect(() => createBridge({ token: "t", path: "x" })).toThrow(/path/);
    expect(() => createBridge({ token: "t", maxFrameBytes: 0 })).toThrow(/maxFrameBytes/);
    expect(() => createBridge({ token: "t", requestTimeout: 1.5 })).toThrow(/requestTimeout/);
    expect(() => createBridge({ token: "t", pingInterval: -1 })).toThrow(/pingInterval/);
    expect(() => createBridge({ token: "t", name: "n".repeat(65) })).toThrow(/name/);
    expect(() => createBridge({ token: "t", rateLimit: { perSecond: 0, burst: 1 } })).toThrow(/rateLimit/);
  });

  it("rejects ready when the port is taken", async () => {
    const { port } = await startBridge();
    const second = createBridge({ token: TOKEN, port });
    cleanup(() => second.close());
    await expect(second.ready).rejects.toMatchObject({ code: "EADDRINUSE" });
  });
});
